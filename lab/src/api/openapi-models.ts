// The kinds the lab serves, described from the same source as the decode (schema.ts): @kubernetes/client-node's
// generated models — their attribute maps for names and types, their declaration files for the descriptions and
// which fields are required (upstream's text, with its blank lines folded to spaces). Extensions the models lack
// come from the lab's own tables: the group-version-kind of each kind it serves, and the merge keys merge-patch.ts uses.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fieldsOf, type GoType } from './schema.ts';
import { MERGE_KEYS } from './merge-patch.ts';

export interface Gvk { group: string; version: string; kind: string }
export interface Field { name: string; type: GoType; description?: string; mergeKey?: string; strategy?: string }
export interface Definition { name: string; model: string; description?: string; required: string[]; fields: Field[]; gvk?: Gvk[] }

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** The apimachinery types among the models. */
const META_TYPES = new Set(['ObjectMeta', 'ListMeta', 'ManagedFieldsEntry', 'OwnerReference', 'Status', 'StatusDetails', 'StatusCause',
  'DeleteOptions', 'Preconditions', 'LabelSelector', 'LabelSelectorRequirement', 'WatchEvent', 'Condition', 'FieldSelectorRequirement']);

/** The definitions' names for the types the models flatten into strings. */
export const LEAF_DEFINITIONS: Partial<Record<GoType['k'], { name: string; type: string; format?: string }>> = {
  quantity: { name: 'io.k8s.apimachinery.pkg.api.resource.Quantity', type: 'string' },
  intstr: { name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', type: 'string', format: 'int-or-string' },
  time: { name: `${META}.Time`, type: 'string', format: 'date-time' },
  microtime: { name: `${META}.MicroTime`, type: 'string', format: 'date-time' },
};

/** The API packages of the models that are not core/v1 (the rest the lab serves is core/v1). */
const PACKAGES: [string, RegExp][] = [
  ['io.k8s.api.coordination.v1', /^Lease(Spec|List)?$/],
  ['io.k8s.api.rbac.v1', /^(Role|RoleBinding|ClusterRole|ClusterRoleBinding)(List)?$|^(PolicyRule|AggregationRule|RoleRef|Subject)$/],
  ['io.k8s.api.authentication.v1', /^(TokenRequest|TokenRequestSpec|TokenRequestStatus|BoundObjectReference|SelfSubjectReview|SelfSubjectReviewStatus|UserInfo|TokenReview|TokenReviewSpec|TokenReviewStatus)$/],
  ['io.k8s.api.authorization.v1', /^(Self|Local)?Subject(Access|Rules)Review(Spec|Status)?$|^(ResourceAttributes|NonResourceAttributes|ResourceRule|NonResourceRule|FieldSelectorAttributes|LabelSelectorAttributes)$/],
];

/** V1Pod → io.k8s.api.core.v1.Pod, CoreV1Event → io.k8s.api.core.v1.Event, RbacV1Subject → io.k8s.api.rbac.v1.Subject. */
function definitionName(model: string): string {
  const short = model.replace(/^[A-Z][a-z]*V1(?=[A-Z])|^V1/, '');
  if (META_TYPES.has(short)) return `${META}.${short}`;
  for (const [pkg, re] of PACKAGES) if (re.test(short)) return `${pkg}.${short}`;
  return `${CORE}.${short}`;
}

const gvk = (group: string, kind: string) => ({ group, version: 'v1', kind });
const core = (kind: string) => gvk('', kind);
const withLists = (group: string, kinds: string[], prefix = 'V1') => Object.fromEntries(kinds.flatMap((k) => [[`${prefix}${k}`, [gvk(group, k)]], [`${prefix}${k}List`, [gvk(group, `${k}List`)]]]));
const reviews = (group: string, kinds: string[]) => Object.fromEntries(kinds.map((k) => [`V1${k}`, [gvk(group, k)]]));
/** The kinds kubectl finds by their x-kubernetes-group-version-kind (explain, apply's patch and validation). */
const ROOTS: Record<string, Gvk[]> = {
  ...withLists('', ['Pod', 'Namespace', 'Node', 'ServiceAccount', 'ResourceQuota', 'LimitRange']),
  CoreV1Event: [core('Event')], CoreV1EventList: [core('EventList')],
  V1Binding: [core('Binding')], V1Status: [core('Status')], V1DeleteOptions: [core('DeleteOptions')], V1WatchEvent: [core('WatchEvent')],
  ...withLists('coordination.k8s.io', ['Lease']),
  ...withLists('rbac.authorization.k8s.io', ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']),
  AuthenticationV1TokenRequest: [gvk('authentication.k8s.io', 'TokenRequest')],
  ...reviews('authentication.k8s.io', ['SelfSubjectReview', 'TokenReview']),
  ...reviews('authorization.k8s.io', ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview']),
};

const unescape = (s: string) => s.replace(/\\(['"\\])/g, '$1');

/** Descriptions and required fields from a model's declaration file (one `/** … *\/` line above each member). */
function docs(dir: string, model: string): { description?: string; fields: Map<string, { description?: string; required: boolean }> } {
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, `${model}.d.ts`), 'utf8');
  } catch {
    return { fields: new Map() };
  }
  const cls = new RegExp(`/\\*\\*\\n\\* (.*)\\n\\*/\\nexport declare class ${model}\\b`).exec(text);
  const fields = new Map<string, { description?: string; required: boolean }>();
  for (const m of text.matchAll(/(?:\/\*\*\n\s*\* (.*)\n\s*\*\/\n)?\s*'([^']+)'(\?)?:/g)) {
    fields.set(m[2], { description: m[1] === undefined ? undefined : unescape(m[1]), required: m[3] === undefined });
  }
  return { description: cls ? unescape(cls[1]) : undefined, fields };
}

let built: Definition[] | undefined;

/** Every definition reachable from the kinds the lab serves, sorted by name. loadSchema() must have resolved. */
export function definitions(): Definition[] {
  if (built) return built;
  const dir = path.dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/gen/models/all.js'));
  const out = new Map<string, Definition>();
  const todo = Object.keys(ROOTS);
  const visit = (t: GoType) => {
    if (t.k === 'struct') todo.push(t.model);
    else if (t.k === 'array' || t.k === 'map') visit(t.of);
  };
  while (todo.length) {
    const model = todo.pop()!;
    const name = definitionName(model);
    if (out.has(name)) continue;
    const doc = docs(dir, model);
    const fields: Field[] = [];
    for (const [json, f] of fieldsOf(model)) {
      visit(f.type);
      const mergeKey = f.type.k === 'array' && f.type.of.k === 'struct' && Object.hasOwn(MERGE_KEYS, json) ? MERGE_KEYS[json] : undefined;
      fields.push({ name: json, type: f.type, description: doc.fields.get(json)?.description, ...(mergeKey ? { mergeKey, strategy: 'merge' } : {}) });
    }
    fields.sort((a, b) => (a.name < b.name ? -1 : 1));
    const required = [...doc.fields].filter(([n, f]) => f.required && fields.some((x) => x.name === n)).map(([n]) => n);
    out.set(name, { name, model, description: doc.description, required, fields, ...(ROOTS[model] ? { gvk: ROOTS[model] } : {}) });
  }
  built = [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return built;
}
