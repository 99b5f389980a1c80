// `kubectl get` columns of service accounts, quotas, limit ranges and the RBAC objects, as kube-apiserver prints
// them (pkg/printers/internalversion): accounts NAME SECRETS AGE; quotas NAME AGE REQUEST LIMIT (each hard
// resource as used/hard, limits.* under LIMIT); bindings NAME ROLE AGE (+ USERS GROUPS SERVICEACCOUNTS wide).
// Roles, cluster roles and limit ranges have no printer: the default table, NAME and CREATED AT.
import type { Obj, Resource } from '../store/index.ts';
import { since } from './age.ts';
import { col, type Column } from './table-column.ts';
import { canonical } from './quantity.ts';

type Access = Exclude<Resource, 'pods' | 'nodes' | 'namespaces' | 'events'>;

const DEFAULT = [col('Name', 0, 'string', 'name'), col('Created At', 0, 'date')];
const BINDING = [col('Name', 0, 'string', 'name'), col('Role'), col('Age'), col('Users', 1), col('Groups', 1), col('ServiceAccounts', 1)];

export const ACCESS_COLUMNS: Record<Access, Column[]> = {
  serviceaccounts: [col('Name', 0, 'string', 'name'), col('Secrets'), col('Age')],
  resourcequotas: [col('Name', 0, 'string', 'name'), col('Age'), col('Request'), col('Limit')],
  limitranges: DEFAULT,
  roles: DEFAULT,
  clusterroles: DEFAULT,
  rolebindings: BINDING,
  clusterrolebindings: BINDING,
};

/** The default table's CREATED AT: the creation time in UTC, RFC 3339. */
const createdAt = (o: Obj) => o.metadata.creationTimestamp ?? '0001-01-01T00:00:00Z';

function quotaRow(q: Obj, now: number): unknown[] {
  const hard: Record<string, string> = q.status?.hard ?? {};
  const used: Record<string, string> = q.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const u = Object.hasOwn(used, r) ? used[r] : '0';
    const text = `${r}: ${canonical(String(u))}/${canonical(String(hard[r]))}`;
    (r.split('.').length > 1 && r.split('.')[0] === 'limits' ? limit : request).push(text);
  }
  return [q.metadata.name, since(q.metadata.creationTimestamp, now), request.join(', '), limit.join(', ')];
}

/** rbac.SubjectsStrings: users, groups, and service accounts as namespace/name. */
function bindingRow(b: Obj, now: number): unknown[] {
  const subjects: Obj[] = b.subjects ?? [];
  const of = (kind: string, f: (s: Obj) => string) => subjects.filter((s) => s.kind === kind).map(f).join(', ');
  return [
    b.metadata.name,
    `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
    since(b.metadata.creationTimestamp, now),
    of('User', (s) => s.name),
    of('Group', (s) => s.name),
    of('ServiceAccount', (s) => `${s.namespace ?? ''}/${s.name}`),
  ];
}

export const ACCESS_ROWS: Record<Access, (o: Obj, now: number) => unknown[]> = {
  serviceaccounts: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, since(sa.metadata.creationTimestamp, now)],
  resourcequotas: quotaRow,
  limitranges: (o) => [o.metadata.name, createdAt(o)],
  roles: (o) => [o.metadata.name, createdAt(o)],
  clusterroles: (o) => [o.metadata.name, createdAt(o)],
  rolebindings: bindingRow,
  clusterrolebindings: bindingRow,
};
