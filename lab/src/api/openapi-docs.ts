// The OpenAPI v2 document (/openapi/v2) and the v3 documents (/openapi/v3/<group-version>) kube-apiserver serves,
// built from openapi-models.ts: definitions with the shapes upstream gives them ($ref next to a description in v2,
// allOf around it in v3), and the paths kubectl reads — each kind's PATCH with its group-version-kind and the
// query parameters it takes (fieldValidation tells kubectl the server validates fields itself).
import type { GoType } from './schema.ts';
import { VERSION } from './discovery.ts';
import { KINDS, type Resource } from '../store/index.ts';
import { definitions, LEAF_DEFINITIONS, type Definition, type Field, type Gvk } from './openapi-models.ts';

type Obj = Record<string, any>;
type Version = 2 | 3;

const refTo = (v: Version, name: string) => (v === 2 ? `#/definitions/${name}` : `#/components/schemas/${name}`);

function typeSchema(t: GoType, v: Version): Obj {
  const leaf = LEAF_DEFINITIONS[t.k];
  if (leaf) return { $ref: refTo(v, leaf.name) };
  switch (t.k) {
    case 'struct': return { $ref: refTo(v, definitionOf(t.model)) };
    case 'array': return { type: 'array', items: typeSchema(t.of, v) };
    case 'map': return { type: 'object', additionalProperties: typeSchema(t.of, v) };
    case 'string': return t.go === '[]uint8' ? { type: 'string', format: 'byte' } : { type: 'string' };
    case 'int32': case 'int64': return { type: 'integer', format: t.k };
    case 'float64': return { type: 'number', format: 'double' };
    case 'bool': return { type: 'boolean' };
    default: return { type: 'object' };
  }
}

let byModel: Map<string, string> | undefined;
function definitionOf(model: string): string {
  byModel ??= new Map(definitions().map((d) => [d.model, d.name]));
  return byModel.get(model)!;
}

function fieldSchema(f: Field, v: Version): Obj {
  const s = typeSchema(f.type, v);
  const out: Obj = s.$ref && f.description && v === 3 ? { allOf: [s] } : { ...s };
  if (f.description) out.description = f.description;
  if (f.mergeKey) Object.assign(out, { 'x-kubernetes-patch-merge-key': f.mergeKey, 'x-kubernetes-patch-strategy': f.strategy });
  return out;
}

function definitionSchema(d: Definition, v: Version): Obj {
  return {
    ...(d.description ? { description: d.description } : {}),
    properties: Object.fromEntries(d.fields.map((f) => [f.name, fieldSchema(f, v)])),
    ...(d.required.length ? { required: d.required } : {}),
    type: 'object',
    ...(d.gvk ? { 'x-kubernetes-group-version-kind': d.gvk } : {}),
  };
}

function schemas(v: Version): Obj {
  const out: Obj = {};
  for (const leaf of Object.values(LEAF_DEFINITIONS)) out[leaf!.name] = { type: leaf!.type, ...(leaf!.format ? { format: leaf!.format } : {}) };
  for (const d of definitions()) out[d.name] = definitionSchema(d, v);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

interface Served { prefix: string; resource: string; namespaced: boolean; gvk: Gvk }
const served = (resource: Resource): Served => {
  const { group, version, kind, namespaced } = KINDS[resource];
  return { prefix: group ? `/apis/${group}/${version}` : `/api/${version}`, resource, namespaced, gvk: { group, version, kind } };
};
const SERVED: Served[] = [
  ...(['pods', 'namespaces', 'nodes', 'events', 'serviceaccounts', 'resourcequotas', 'limitranges', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] as Resource[]).map(served),
  { prefix: '/apis/coordination.k8s.io/v1', resource: 'leases', namespaced: true, gvk: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' } },
];

const PATCH_QUERY = ['dryRun', 'fieldManager', 'fieldValidation', 'force'];

function param(v: Version, name: string, where: 'query' | 'path'): Obj {
  const required = where === 'path' ? { required: true } : {};
  return v === 2 ? { in: where, name, type: 'string', uniqueItems: true, ...required } : { in: where, name, schema: { type: 'string', uniqueItems: true }, ...required };
}

/** One path per object kind (…/{name}): GET and PATCH, each with the kind's group-version-kind. */
function paths(v: Version, prefix: string): Obj {
  const out: Obj = {};
  for (const s of SERVED.filter((x) => x.prefix === prefix)) {
    const path = s.namespaced ? `${prefix}/namespaces/{namespace}/${s.resource}/{name}` : `${prefix}/${s.resource}/{name}`;
    const op = (action: string, query: string[]) => ({
      operationId: `${action}${s.namespaced ? 'Namespaced' : ''}${s.gvk.kind}`,
      ...(query.length ? { parameters: query.map((q) => param(v, q, 'query')) } : {}),
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': s.gvk,
    });
    out[path] = {
      get: op('get', []),
      patch: op('patch', PATCH_QUERY),
      parameters: [param(v, 'name', 'path'), ...(s.namespaced ? [param(v, 'namespace', 'path')] : [])],
    };
  }
  return out;
}

const info = { title: 'Kubernetes', version: VERSION.gitVersion };

export function openapiV2(): Obj {
  return { swagger: '2.0', info, paths: Object.assign({}, ...V3_GROUP_VERSIONS.map((gv) => paths(2, `/${gv}`))), definitions: schemas(2) };
}

/** The v3 document of one group-version: `api/v1`, `apis/rbac.authorization.k8s.io/v1`, … */
export function openapiV3(gv: string): Obj {
  return { openapi: '3.0.0', info, paths: paths(3, `/${gv}`), components: { schemas: schemas(3) } };
}

export const V3_GROUP_VERSIONS = ['api/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1'];
