// kubectl sends a few built-in objects as protobuf (e.g. `kubectl create namespace`): the "k8s\0" magic, then a
// runtime.Unknown wrapping the object. The lab reads what such requests carry — kind, apiVersion and the object's
// metadata (name, generateName, namespace, labels, annotations) — and answers in JSON, which kubectl accepts.
type Fields = Map<number, Buffer[]>;

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

/** The length-delimited fields of a message, by field number (other wire types are skipped). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let off = 0;
  while (off < buf.length) {
    let tag: number;
    [tag, off] = varint(buf, off);
    const wire = tag & 7;
    if (wire === 0) [, off] = varint(buf, off);
    else if (wire === 1) off += 8;
    else if (wire === 5) off += 4;
    else if (wire === 2) {
      let len: number;
      [len, off] = varint(buf, off);
      const list = out.get(tag >>> 3) ?? [];
      list.push(buf.subarray(off, off + len));
      out.set(tag >>> 3, list);
      off += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Fields, n: number) => f.get(n)?.[0]?.toString('utf8');
const map = (f: Fields, n: number) => {
  const entries = (f.get(n) ?? []).map((e) => fields(e));
  return entries.length ? Object.fromEntries(entries.map((e) => [str(e, 1) ?? '', str(e, 2) ?? ''])) : undefined;
};

export const isProtobuf = (body: Buffer) => body.length >= 4 && body.subarray(0, 4).equals(Buffer.from('k8s\0'));

export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.get(1)?.[0] ?? Buffer.alloc(0));
  const object = fields(unknown.get(2)?.[0] ?? Buffer.alloc(0));
  const meta = fields(object.get(1)?.[0] ?? Buffer.alloc(0));
  const metadata = Object.fromEntries(
    // Go's protobuf writes every string field, unset ones as "": those are absent, as in JSON (omitempty).
    Object.entries({ name: str(meta, 1), generateName: str(meta, 2), namespace: str(meta, 3), labels: map(meta, 11), annotations: map(meta, 12) }).filter(([, v]) => v !== undefined && v !== ''),
  );
  return { apiVersion: str(typeMeta, 1), kind: str(typeMeta, 2), metadata };
}
