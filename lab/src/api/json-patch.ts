// JSON patch (RFC 6902, all six operations) as kube-apiserver applies it: on a copy, all operations or none, every
// failure one 422 (the detail in JsonPatchError). Pointers walk own data properties only (own-json.ts).
import { ApiError, badRequest, type Obj } from '../store/index.ts';
import { copyJson, getOwn as get, hasOwnKey as has, isObj, jsonEqual, setOwn } from './own-json.ts';

/** The most operations one JSON patch may hold, as on kube-apiserver. */
export const MAX_JSON_PATCH_OPS = 10000;

/** Why an RFC 6902 patch did not apply; the API server answers every such failure with one generic 422. */
export class JsonPatchError extends ApiError {
  detail: string;
  constructor(detail: string) {
    super(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
    this.detail = detail;
  }
}

function pointer(path: unknown, what: string): string[] {
  if (typeof path !== 'string') throw new JsonPatchError(`${what}: missing or invalid path`);
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchError(`${what}: invalid JSON pointer "${path}"`);
  return path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6901 array index: digits without leading zeros ("-" where the caller allows the end). */
function index(arr: unknown[], tok: string, path: string, allowEnd: boolean): number {
  if (allowEnd && tok === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new JsonPatchError(`invalid array index "${tok}" in ${path}`);
  const i = Number(tok);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new JsonPatchError(`array index ${i} out of bounds in ${path}`);
  return i;
}

/** The container a pointer's last token lives in, walking own properties only. */
function parentOf(doc: unknown, parts: string[], path: string): unknown {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[index(cur, p, path, false)];
    else if (isObj(cur) && Object.hasOwn(cur, p)) cur = cur[p];
    else throw new JsonPatchError(`doc is missing path: "${path}"`);
  }
  if (!isObj(cur) && !Array.isArray(cur)) throw new JsonPatchError(`doc is missing path: "${path}"`);
  return cur;
}

function read(doc: unknown, path: string, what: string): unknown {
  const parts = pointer(path, what);
  if (!parts.length) return doc;
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) return parent[index(parent, last, path, false)];
  if (!Object.hasOwn(parent as Obj, last)) throw new JsonPatchError(`${what} operation does not apply: doc is missing key: ${path}`);
  return (parent as Obj)[last];
}

/** Returns the new document: `add` at the root replaces it. */
function add(doc: unknown, path: string, value: unknown, what: string): unknown {
  const parts = pointer(path, what);
  if (!parts.length) return value;
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, true), 0, value);
  else setOwn(parent as Obj, last, value);
  return doc;
}

function remove(doc: unknown, path: string, what: string): unknown {
  const parts = pointer(path, what);
  if (!parts.length) throw new JsonPatchError(`${what} operation does not apply: cannot remove the whole document`);
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, false), 1);
  else if (Object.hasOwn(parent as Obj, last)) delete (parent as Obj)[last];
  else throw new JsonPatchError(`${what} operation does not apply: doc is missing key: ${path}`);
  return doc;
}

function replace(doc: unknown, path: string, value: unknown): unknown {
  const parts = pointer(path, 'replace');
  if (!parts.length) return value;
  read(doc, path, 'replace');
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) parent[index(parent, last, path, false)] = value;
  else setOwn(parent as Obj, last, value);
  return doc;
}

/** Checks the patch's shape as the API server decodes it: 400 when it is no list of operations. */
export function decodeJsonPatch(ops: unknown): Obj[] {
  const type = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);
  if (!Array.isArray(ops)) throw badRequest(`error decoding patch: json: cannot unmarshal ${type(ops)} into Go value of type []handlers.jsonPatchOp`);
  for (const op of ops) {
    if (op === null) continue;
    if (!isObj(op)) throw badRequest(`error decoding patch: json: cannot unmarshal ${type(op)} into Go value of type handlers.jsonPatchOp`);
    for (const f of ['op', 'path', 'from']) {
      if (has(op, f) && op[f] !== null && typeof op[f] !== 'string') {
        throw badRequest(`error decoding patch: json: cannot unmarshal ${type(op[f])} into Go struct field jsonPatchOp.${f} of type string`);
      }
    }
  }
  if (ops.length > MAX_JSON_PATCH_OPS) {
    throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPS}, got ${ops.length}`);
  }
  return ops as Obj[];
}

/** RFC 6902 on a copy: all operations apply, or none (the first failure throws). */
export function jsonPatch(doc: Obj, ops: unknown): Obj {
  let out: unknown = copyJson(doc);
  for (const op of decodeJsonPatch(ops)) {
    const kind = get(op, 'op');
    const path = get(op, 'path') as string;
    const value = () => {
      if (!has(op, 'value')) throw new JsonPatchError(`${kind} operation does not apply: missing value`);
      return copyJson(op.value);
    };
    switch (kind) {
      case 'add':
        out = add(out, path, value(), 'add');
        break;
      case 'remove':
        out = remove(out, path, 'remove');
        break;
      case 'replace':
        out = replace(out, path, value());
        break;
      case 'move': {
        const from = get(op, 'from') as string;
        const v = read(out, from, 'move');
        if (typeof path === 'string' && path.startsWith(`${from}/`)) throw new JsonPatchError(`move operation does not apply: "from" ${from} is a prefix of "path" ${path}`);
        if (from !== path) out = add(remove(out, from, 'move'), path, v, 'move');
        break;
      }
      case 'copy':
        out = add(out, path, copyJson(read(out, get(op, 'from') as string, 'copy')), 'copy');
        break;
      case 'test':
        if (!jsonEqual(read(out, path, 'test'), value())) throw new JsonPatchError(`testing value ${path} failed`);
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${String(kind)}`);
    }
  }
  if (!isObj(out)) throw new JsonPatchError('the patched document is not an object');
  return out;
}
