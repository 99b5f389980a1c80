// The typed decode kube-apiserver does before anything else: the JSON body read into the Go types of the object
// (here: @kubernetes/client-node's models, generated from the Kubernetes OpenAPI schema, with the Go names of the
// few types it flattens). A value of the wrong type fails as Go's encoding/json words it; fields the type does not
// have are reported (for fieldValidation Strict/Warn) and dropped; nulls become Go's zero values. The result holds
// only known fields, as own properties, with the right JSON types.
import { setOwn } from './own-json.ts';
import { loadModels, type Models } from './schema-models.ts';

type Obj = Record<string, any>;
type Leaf = 'string' | 'int32' | 'int64' | 'float64' | 'bool' | 'any' | 'intstr' | 'time' | 'microtime' | 'quantity';
export type GoType =
  | { k: Leaf; go: string }
  | { k: 'array'; of: GoType; go: string }
  | { k: 'map'; of: GoType; go: string }
  | { k: 'struct'; model: string; go: string };


const QUOTA_LISTS = ['V1ResourceQuotaSpec.hard', 'V1ResourceQuotaStatus.hard', 'V1ResourceQuotaStatus.used', 'V1LimitRangeItem.max', 'V1LimitRangeItem.min',
  'V1LimitRangeItem.default', 'V1LimitRangeItem.defaultRequest', 'V1LimitRangeItem.maxLimitRequestRatio'];
// What the generated models flatten to plain strings: resource.Quantity, and the named string types whose Go name
// appears in error messages (a value of the wrong type in `restartPolicy` is "of type v1.RestartPolicy").
const QUANTITY = new Set(['V1ResourceRequirements.limits', 'V1ResourceRequirements.requests', 'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests', 'V1PodSpec.overhead', 'V1EmptyDirVolumeSource.sizeLimit', 'V1ResourceFieldSelector.divisor',
  'V1ContainerStatus.allocatedResources', 'V1NodeStatus.capacity', 'V1NodeStatus.allocatable', ...QUOTA_LISTS]);
const RESOURCE_LISTS = new Set(['V1ResourceRequirements.limits', 'V1ResourceRequirements.requests', 'V1PodSpec.overhead', 'V1NodeStatus.capacity', 'V1NodeStatus.allocatable', ...QUOTA_LISTS]);
const NAMED: Record<string, string> = {
  'V1PodSpec.restartPolicy': 'v1.RestartPolicy', 'V1PodSpec.dnsPolicy': 'v1.DNSPolicy', 'V1PodSpec.preemptionPolicy': 'v1.PreemptionPolicy',
  'V1Container.imagePullPolicy': 'v1.PullPolicy', 'V1Container.terminationMessagePolicy': 'v1.TerminationMessagePolicy',
  'V1ContainerPort.protocol': 'v1.Protocol', 'V1HTTPGetAction.scheme': 'v1.URIScheme', 'V1PodStatus.phase': 'v1.PodPhase',
  'V1NamespaceStatus.phase': 'v1.NamespacePhase', 'V1Capabilities.add': '[]v1.Capability', 'V1Capabilities.drop': '[]v1.Capability',
  'V1NamespaceSpec.finalizers': '[]v1.FinalizerName', 'V1Toleration.operator': 'v1.TolerationOperator', 'V1Toleration.effect': 'v1.TaintEffect',
};

/** Go's name for a model: V1Container → v1.Container, CoreV1Event → v1.Event. */
const goName = (model: string) => model.replace(/^[A-Z][a-z]*?V1(?=[A-Z])|^V1(?:alpha\d|beta\d)?/, '');

let models: Models | undefined;
let loading: Promise<Models> | undefined;
/**
 * Loads the models once (schema-models.ts: ~130 ms imported, ~2 ms from `cacheDir`); the server starts it early so
 * no request waits for it.
 */
export function loadSchema(cacheDir?: string): Promise<void> {
  loading ??= loadModels(cacheDir).then((m) => (models = m));
  return loading.then(() => undefined);
}

const cache = new Map<string, Map<string, { json: string; type: GoType }>>();

function parseType(t: string, format: string, owner: string, field: string): GoType {
  const key = `${owner}.${field}`;
  let m = /^Array<(.+)>$/.exec(t);
  if (m) {
    const of = parseType(m[1], format, owner, field);
    return { k: 'array', of, go: NAMED[key] ?? `[]${of.go}` };
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (m) {
    const of = QUANTITY.has(key) ? { k: 'quantity' as const, go: 'resource.Quantity' } : parseType(m[1], format, owner, field);
    return { k: 'map', of, go: RESOURCE_LISTS.has(key) ? 'v1.ResourceList' : NAMED[key] ?? `map[string]${of.go}` };
  }
  if (QUANTITY.has(key)) return { k: 'quantity', go: 'resource.Quantity' };
  if (t === 'string') return { k: 'string', go: NAMED[key] ?? (format === 'byte' ? '[]uint8' : 'string') };
  if (t === 'boolean') return { k: 'bool', go: 'bool' };
  if (t === 'number') return format === 'int32' ? { k: 'int32', go: 'int32' } : format === 'double' ? { k: 'float64', go: 'float64' } : { k: 'int64', go: 'int64' };
  if (t === 'Date') return { k: 'time', go: 'v1.Time' };
  if (t === 'V1MicroTime') return { k: 'microtime', go: 'v1.MicroTime' };
  if (t === 'IntOrString') return { k: 'intstr', go: 'intstr.IntOrString' };
  if (t === 'any' || !models?.[t]?.attributeTypeMap) return { k: 'any', go: 'interface {}' };
  return { k: 'struct', model: t, go: `v1.${goName(t)}` };
}

/** A model's fields by JSON name, with their Go types (the decode's view; the OpenAPI documents are built from it). */
export function fieldsOf(model: string): Map<string, { json: string; type: GoType }> {
  let f = cache.get(model);
  if (!f) {
    f = new Map();
    for (const a of models?.[model]?.attributeTypeMap ?? []) f.set(a.baseName, { json: a.baseName, type: parseType(a.type, a.format, model, a.baseName) });
    cache.set(model, f);
  }
  return f;
}

export const MODEL: Record<string, string> = {
  Pod: 'V1Pod', Namespace: 'V1Namespace', Node: 'V1Node', Event: 'CoreV1Event', ServiceAccount: 'V1ServiceAccount', ResourceQuota: 'V1ResourceQuota',
  LimitRange: 'V1LimitRange', Role: 'V1Role', RoleBinding: 'V1RoleBinding', ClusterRole: 'V1ClusterRole', ClusterRoleBinding: 'V1ClusterRoleBinding',
  TokenRequest: 'AuthenticationV1TokenRequest',
};

export interface Decoded {
  value: Obj;
  /** Go's json error for the first value of a wrong type, if any (the request fails with it). */
  error?: string;
  /** Paths of fields the types do not have, as kube-apiserver's strict decoding names them. */
  unknown: string[];
}

interface Ctx { struct: string; stack: string[]; error?: string; unknown: string[] }

const jsonKind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);

function typeError(ctx: Ctx, what: string, go: string) {
  ctx.error ??= ctx.struct
    ? `json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${ctx.stack.join('.')} of type ${go}`
    : `json: cannot unmarshal ${what} into Go value of type ${go}`;
}

const INT32 = 2 ** 31;
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function quantityError(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : JSON.stringify(v);
  const m = QUANTITY_RE.exec(s);
  if (!m) return QUANTITY_FORMAT;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return 'unable to parse numeric part of quantity';
  if (!/^(|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?\d+)$/.test(m[2])) return "unable to parse quantity's suffix";
  return undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Go's zero value, for a null where no field can be left out (array items, map values). */
function zero(t: GoType): unknown {
  switch (t.k) {
    case 'string': return '';
    case 'int32': case 'int64': case 'float64': return 0;
    case 'bool': return false;
    case 'struct': return {};
    default: return null;
  }
}

function decodeValue(v: unknown, t: GoType, ctx: Ctx, path: string): unknown {
  if (v === null) return undefined;
  switch (t.k) {
    case 'any':
      return v;
    case 'string':
      if (typeof v !== 'string') typeError(ctx, jsonKind(v), t.go);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') typeError(ctx, jsonKind(v), t.go);
      return v;
    case 'int32': case 'int64': case 'float64': {
      if (typeof v !== 'number') return typeError(ctx, jsonKind(v), t.go), v;
      const ok = t.k === 'float64' ? Number.isFinite(v) : Number.isInteger(v) && (t.k === 'int32' ? v >= -INT32 && v < INT32 : v >= -(2 ** 63) && v < 2 ** 63);
      if (!ok) typeError(ctx, `number ${v}`, t.go);
      return v;
    }
    case 'intstr':
      if (typeof v === 'string') return v;
      if (typeof v !== 'number') typeError(ctx, jsonKind(v), 'int32');
      else if (!Number.isInteger(v) || v < -INT32 || v >= INT32) typeError(ctx, `number ${v}`, 'int32');
      return v;
    case 'time': case 'microtime':
      if (typeof v !== 'string') typeError(ctx, jsonKind(v), 'string');
      else if (!RFC3339.test(v) || Number.isNaN(Date.parse(v))) ctx.error ??= `parsing time "${v}" as "2006-01-02T15:04:05Z07:00": cannot parse "${v}" as "2006"`;
      return v;
    case 'quantity': {
      const err = quantityError(v);
      if (err) ctx.error ??= err;
      return typeof v === 'number' ? String(v) : v;
    }
    case 'array': {
      if (!Array.isArray(v)) return typeError(ctx, jsonKind(v), t.go), undefined;
      return v.map((item, i) => {
        const out = decodeValue(item, t.of, ctx, `${path}[${i}]`);
        return out === undefined ? zero(t.of) : out;
      });
    }
    case 'map': {
      if (jsonKind(v) !== 'object') return typeError(ctx, jsonKind(v), t.go), undefined;
      const out: Obj = {};
      for (const k of Object.keys(v as Obj)) {
        const item = decodeValue((v as Obj)[k], t.of, ctx, `${path}.${k}`);
        setOwn(out, k, item === undefined ? zero(t.of) : item);
      }
      return out;
    }
    case 'struct': {
      if (jsonKind(v) !== 'object') return typeError(ctx, jsonKind(v), t.go), undefined;
      const fields = fieldsOf(t.model);
      const out: Obj = {};
      const outer = ctx.struct;
      for (const k of Object.keys(v as Obj)) {
        const f = fields.get(k);
        const at = path ? `${path}.${k}` : k;
        if (!f) {
          ctx.unknown.push(at);
          continue;
        }
        ctx.struct = goName(t.model);
        ctx.stack.push(k);
        const item = decodeValue((v as Obj)[k], f.type, ctx, at);
        ctx.stack.pop();
        ctx.struct = outer;
        if (item !== undefined) setOwn(out, k, item);
      }
      return out;
    }
  }
}

/** Decodes an object of `kind` (a top-level object: callers check that first). loadSchema() must have resolved. */
export function decode(kind: string, body: Obj): Decoded {
  if (!models) throw new Error('schema not loaded');
  const ctx: Ctx = { struct: '', stack: [], unknown: [] };
  const value = decodeValue(body, { k: 'struct', model: MODEL[kind], go: `v1.${kind}` }, ctx, '') as Obj;
  return { value, error: ctx.error, unknown: ctx.unknown };
}

/** The deepest nesting of arrays and objects, without recursion (kube-apiserver's JSON decoder stops at 10000). */
export function depth(v: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [cur, d] = stack.pop()!;
    if (typeof cur !== 'object' || cur === null) continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const k of Object.keys(cur)) stack.push([(cur as Obj)[k], d + 1]);
  }
  return max;
}
