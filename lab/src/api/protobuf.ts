// kubectl sends the objects it builds itself as protobuf (`kubectl create namespace|role|token…`, `kubectl auth
// can-i`): the "k8s\0" magic, then a runtime.Unknown wrapping the object. The lab reads the fields of the kinds in
// protobuf-schemas.ts (any other kind: its TypeMeta and metadata) into the JSON object they stand for, and answers
// in JSON, which kubectl accepts.
import { OBJECT_META, SCHEMAS, type FieldType, type Schema } from './protobuf-schemas.ts';

type Fields = Map<number, (Buffer | number)[]>;

function varint(buf: Buffer, off: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = buf[off++];
    if (b === undefined) throw new Error('truncated varint');
    v += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [v, off];
    shift += 7;
  }
}

/** The fields of a message by number: length-delimited ones as bytes, varints as numbers (fixed ones skipped). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  const add = (n: number, v: Buffer | number) => out.set(n, [...(out.get(n) ?? []), v]);
  let off = 0;
  while (off < buf.length) {
    let tag: number;
    [tag, off] = varint(buf, off);
    const wire = tag & 7;
    if (wire === 0) {
      let v: number;
      [v, off] = varint(buf, off);
      add(tag >>> 3, v);
    } else if (wire === 1) off += 8;
    else if (wire === 5) off += 4;
    else if (wire === 2) {
      let len: number;
      [len, off] = varint(buf, off);
      if (off + len > buf.length) throw new Error('truncated field');
      add(tag >>> 3, buf.subarray(off, off + len));
      off += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytes = (v: Buffer | number | undefined) => (Buffer.isBuffer(v) ? v : Buffer.alloc(0));
const text = (v: Buffer | number | undefined) => bytes(v).toString('utf8');

/** map<string, V>: repeated entries {key = 1, value = 2}; a Quantity value is {string = 1}. */
function entries(list: (Buffer | number)[], quantity: boolean): Record<string, string> {
  return Object.fromEntries(list.map((e) => {
    const f = fields(bytes(e));
    const value = f.get(2)?.[0];
    return [text(f.get(1)?.[0]), quantity ? text(fields(bytes(value)).get(1)?.[0]) : text(value)];
  }));
}

function value(list: (Buffer | number)[], type: FieldType): unknown {
  switch (type) {
    // Go writes every string field, unset ones as "": those are absent, as in JSON (omitempty).
    case 'string': return text(list.at(-1)) || undefined;
    case 'strings': return list.map(text);
    case 'int': return typeof list.at(-1) === 'number' ? list.at(-1) : undefined;
    case 'bool': return list.at(-1) === 1;
    case 'stringMap': return entries(list, false);
    case 'quantityMap': return entries(list, true);
    default:
      if ('repeated' in type) return list.map((m) => message(bytes(m), type.repeated as Schema));
      return message(bytes(list.at(-1)), type as Schema);
  }
}

function message(buf: Buffer, schema: Schema): Record<string, unknown> {
  const f = fields(buf);
  const out: Record<string, unknown> = {};
  for (const [n, [name, type]] of Object.entries(schema)) {
    const list = f.get(Number(n));
    if (!list?.length) continue;
    const v = value(list, type);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export const isProtobuf = (body: Buffer) => body.length >= 4 && body.subarray(0, 4).equals(Buffer.from('k8s\0'));

export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(bytes(unknown.get(1)?.[0]));
  const apiVersion = text(typeMeta.get(1)?.[0]) || undefined;
  const kind = text(typeMeta.get(2)?.[0]) || undefined;
  const schema: Schema = (kind && Object.hasOwn(SCHEMAS, kind) ? SCHEMAS[kind] : undefined) ?? { 1: ['metadata', OBJECT_META] };
  const object = message(bytes(unknown.get(2)?.[0]), schema);
  return { apiVersion, kind, ...object, metadata: object.metadata ?? {} };
}
