// What kube-apiserver does with a body before it stores anything: decode it into the object's types (wrong types →
// 400, unknown fields → per ?fieldValidation=), apply the patch if it is one, fill in the defaults, validate (422).
// Every function here either returns the object to store or throws an ApiError; nothing is stored on an error.
import { randomInt } from 'node:crypto';
import { ApiError, KINDS, badRequest, invalid, type Obj, type Resource } from '../store/index.ts';
import { decode, depth } from './schema.ts';
import { MAX_DEPTH } from './http.ts';
import { applyDefaults, validateObject, SERVER_STATUS } from './admission-kinds.ts';
import { copyJson, isObj } from './own-json.ts';
import { mergePatch } from './merge-patch.ts';
import { jsonPatch } from './json-patch.ts';
import { goValue } from './field.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** ?fieldValidation= (absent: Warn, as on kube-apiserver); an unknown value is a 422 on the request's options. */
export function fieldValidation(q: URLSearchParams, options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  const message = `Unsupported value: ${JSON.stringify(v)}: supported values: "", "Ignore", "Strict", "Warn"`;
  return invalidOptions(options, message) as never;
}

function invalidOptions(kind: string, message: string): never {
  throw new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`,
    { group: 'meta.k8s.io', kind, causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }] });
}

export interface Admitted {
  obj: Obj;
  /** Texts for `Warning: 299 -` headers (unknown fields under fieldValidation=Warn). */
  warnings: string[];
}

const unknownText = (paths: string[]) => paths.map((p) => `unknown field ${JSON.stringify(p)}`);

/** A create or PUT body: the GVK sniff, then the typed decode, as the API server's body decoder does. */
function decodeBody(resource: Resource, body: unknown, validation: FieldValidation): Admitted {
  const kind = KINDS[resource].kind;
  if (!isObj(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body) ?? ''}'`);
  for (const f of ['apiVersion', 'kind']) {
    if (Object.hasOwn(body, f) && body[f] !== null && typeof body[f] !== 'string') {
      throw badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(body[f]) ? 'array' : typeof body[f] === 'object' ? 'object' : typeof body[f] === 'boolean' ? 'bool' : typeof body[f]} into Go struct field .${f} of type string`);
    }
  }
  const version = (body.apiVersion as string) || 'v1';
  const prefix = `${(body.kind as string) || kind} in version ${JSON.stringify(version.split('/').pop())} cannot be handled as a ${kind}: `;
  const d = decode(kind, body);
  if (d.error) throw badRequest(prefix + d.error);
  if (d.unknown.length && validation === 'Strict') throw badRequest(`${prefix}strict decoding error: ${unknownText(d.unknown).join(', ')}`);
  d.value.metadata ??= {};
  return { obj: d.value, warnings: validation === 'Warn' ? unknownText(d.unknown) : [] };
}

function check(resource: Resource, obj: Obj, old?: Obj): void {
  const errs = validateObject(resource, obj, old);
  if (errs.length) throw invalid(resource, obj.metadata.name ?? '', errs);
}

/** apimachinery's rand.String(5), as names.SimpleNameGenerator appends it: no vowels, no look-alikes. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const randomSuffix = () => Array.from({ length: 5 }, () => ALPHANUMS[randomInt(ALPHANUMS.length)]).join('');

/** POST: the object to store (system fields are the store's to set). */
export function admitCreate(resource: Resource, namespace: string | undefined, body: unknown, q: URLSearchParams): Admitted {
  const a = decodeBody(resource, body, fieldValidation(q, 'CreateOptions'));
  const meta = a.obj.metadata;
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName.slice(0, 58)}${randomSuffix()}`;
  if (namespace) {
    if (meta.namespace && meta.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    meta.namespace = namespace;
  }
  for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) delete meta[f];
  applyDefaults(resource, a.obj);
  check(resource, a.obj);
  return a;
}

/** Fields of the stored object an update keeps, whatever the request says. */
function keepSystemFields(resource: Resource, next: Obj, cur: Obj, sub?: string): Obj {
  for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
    if (cur.metadata[f] === undefined) delete next.metadata[f];
    else next.metadata[f] = cur.metadata[f];
  }
  if (sub === 'status') return { ...cur, metadata: cur.metadata, status: next.status };
  if (SERVER_STATUS.has(resource)) next.status = cur.status;
  if (resource === 'pods' && cur.spec?.nodeName) next.spec.nodeName = cur.spec.nodeName;
  return next;
}

function checkName(obj: Obj, cur: Obj): void {
  if (obj.metadata.name !== undefined && obj.metadata.name !== cur.metadata.name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${cur.metadata.name})`);
  }
  if (obj.metadata.namespace && cur.metadata.namespace && obj.metadata.namespace !== cur.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** PUT: the replacement, checked against the stored object. */
export function admitReplace(resource: Resource, cur: Obj, body: unknown, q: URLSearchParams, sub?: string): Admitted {
  const a = decodeBody(resource, body, fieldValidation(q, 'UpdateOptions'));
  checkName(a.obj, cur);
  a.obj.metadata.name = cur.metadata.name;
  if (cur.metadata.namespace) a.obj.metadata.namespace = cur.metadata.namespace;
  const next = keepSystemFields(resource, a.obj, cur, sub);
  applyDefaults(resource, next);
  check(resource, next, cur);
  return { obj: next, warnings: a.warnings };
}

/** Go's %+v of a decoded patch, which kube-apiserver quotes back when a strategic patch does not decode. */
export function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

export type PatchType = 'json' | 'merge' | 'strategic';
export const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json', 'application/merge-patch+json': 'merge', 'application/strategic-merge-patch+json': 'strategic',
};

/** PATCH: the patch applied to the stored object, then decoded as the API server decodes a patched object. */
export function admitPatch(resource: Resource, cur: Obj, type: PatchType, body: unknown, q: URLSearchParams, sub?: string): Admitted {
  const validation = fieldValidation(q, 'PatchOptions');
  if (type !== 'json' && !isObj(body)) {
    throw badRequest(type === 'merge' ? 'Invalid JSON Patch' : `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type map[string]interface {}`);
  }
  const patched = type === 'json' ? jsonPatch(cur, body) : (mergePatch(copyJson(cur), body, type === 'strategic') as Obj);
  if (depth(patched, MAX_DEPTH) > MAX_DEPTH) throw badRequest("couldn't get version/kind; json parse error: exceeded max depth");
  const patchInvalid = (detail: string) => {
    const value = type === 'strategic' ? goFormat(body) : JSON.stringify(patched);
    return invalid('', '', [{ field: 'patch', message: `Invalid value: ${goValue(value)}: ${detail}` }]);
  };
  if (!isObj(patched.metadata ?? {})) throw patchInvalid(`json: cannot unmarshal ${Array.isArray(patched.metadata) ? 'array' : typeof patched.metadata} into Go struct field ${KINDS[resource].kind}.metadata of type v1.ObjectMeta`);
  const d = decode(KINDS[resource].kind, patched);
  if (d.error) throw patchInvalid(d.error);
  const unknown = type === 'strategic' ? [...d.unknown].sort() : d.unknown;
  if (unknown.length && validation === 'Strict') throw patchInvalid(`strict decoding error: ${unknownText(unknown).join(', ')}`);
  d.value.metadata ??= {};
  checkName(d.value, cur);
  const next = keepSystemFields(resource, d.value, cur, sub);
  next.metadata.resourceVersion = undefined;
  applyDefaults(resource, next);
  check(resource, next, cur);
  return { obj: next, warnings: validation === 'Warn' ? unknownText(unknown) : [] };
}
