// The objects a workshop needs, stored and served as kube-apiserver does: ServiceAccounts (a `default` one per
// namespace), ResourceQuotas, LimitRanges (core/v1) and Roles, RoleBindings, ClusterRoles, ClusterRoleBindings
// (rbac.authorization.k8s.io/v1) — the default policy at start, aggregation of admin/edit/view, defaults,
// validation in the API's words, and a deleted namespace taking them with it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApi, eventually, type TestApi } from './api-client.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  expect((await t.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'ws' } } })).status).toBe(201);
}, 30_000);
afterAll(async () => {
  await t?.close();
});

const rulesOf = async (name: string) => (await t.request('GET', `${RBAC}/clusterroles/${name}`)).json.rules as { resources?: string[]; verbs: string[] }[] | null;

describe('the default policy and aggregation', () => {
  it('starts with kube-apiserver\'s default roles and bindings, admin/edit/view aggregated', async () => {
    const names = (await t.request('GET', `${RBAC}/clusterroles`)).json.items.map((r: { metadata: { name: string } }) => r.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['admin', 'cluster-admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer']));
    const view = (await rulesOf('view'))!;
    expect(view.some((r) => r.resources?.includes('pods') && r.verbs.includes('list'))).toBe(true);
    const admin = (await rulesOf('admin'))!;
    expect(admin.some((r) => r.resources?.includes('rolebindings') && r.verbs.includes('create'))).toBe(true);
    const crb = (await t.request('GET', `${RBAC}/clusterrolebindings/system:discovery`)).json;
    expect([crb.apiVersion, crb.kind, crb.roleRef, crb.subjects]).toEqual(['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding',
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:discovery' },
      [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }]]);
  });

  it('a role labelled aggregate-to-view adds its rules to view, edit and admin; deleting it takes them back', async () => {
    const widget = { apiGroups: ['kiada.dev'], resources: ['widgets'], verbs: ['get', 'list'] };
    const has = async (role: string) => ((await rulesOf(role)) ?? []).some((r) => r.resources?.includes('widgets'));
    const made = await t.request('POST', `${RBAC}/clusterroles`, { body: { metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [widget] } });
    expect(made.status).toBe(201);
    for (const role of ['view', 'edit', 'admin']) await eventually(() => has(role), `${role} to have widgets`);
    expect((await t.request('DELETE', `${RBAC}/clusterroles/widgets-view`)).status).toBe(200);
    for (const role of ['view', 'edit', 'admin']) await eventually(async () => !(await has(role)), `${role} to lose widgets`);
  });
});

describe('service accounts', () => {
  it('every namespace gets a `default` one, made again when deleted', async () => {
    const sa = await eventually(async () => (await t.request('GET', '/api/v1/namespaces/ws/serviceaccounts/default')).json?.metadata?.uid && (await t.request('GET', '/api/v1/namespaces/ws/serviceaccounts/default')).json);
    expect([sa.apiVersion, sa.kind, sa.metadata.name, sa.metadata.namespace]).toEqual(['v1', 'ServiceAccount', 'default', 'ws']);
    expect((await t.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status).toBe(200);
    expect((await t.request('DELETE', '/api/v1/namespaces/ws/serviceaccounts/default')).status).toBe(200);
    const again = await eventually(async () => (await t.request('GET', '/api/v1/namespaces/ws/serviceaccounts/default')).json?.metadata?.uid);
    expect(again).not.toBe(sa.metadata.uid);
  });

  it('lists with its kind and version; a missing one is the 404 of a real server', async () => {
    expect((await t.request('POST', '/api/v1/namespaces/ws/serviceaccounts', { body: { metadata: { name: 'student' } } })).status).toBe(201);
    const list = (await t.request('GET', '/api/v1/namespaces/ws/serviceaccounts')).json;
    expect([list.kind, list.apiVersion, list.items.map((s: { metadata: { name: string } }) => s.metadata.name)]).toEqual(['ServiceAccountList', 'v1', ['default', 'student']]);
    const nope = await t.request('GET', '/api/v1/namespaces/ws/serviceaccounts/nope');
    expect([nope.status, nope.json.message, nope.json.details]).toEqual([404, 'serviceaccounts "nope" not found', { name: 'nope', kind: 'serviceaccounts' }]);
    const bad = await t.request('POST', '/api/v1/namespaces/ws/serviceaccounts', { body: { metadata: { name: 'Bad_Name' } } });
    expect([bad.status, bad.json.message.split(':')[0]]).toEqual([422, 'ServiceAccount "Bad_Name" is invalid']);
  });
});

describe('RBAC objects', () => {
  const role = { metadata: { name: 'student' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] };
  const binding = { metadata: { name: 'student' }, roleRef: { kind: 'Role', name: 'student' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: 'ws' }, { kind: 'User', name: 'ana' }] };

  it('stores Roles and RoleBindings under their group, with the API\'s defaults', async () => {
    const r = await t.request('POST', `${RBAC}/namespaces/ws/roles`, { body: role });
    expect([r.status, r.json.apiVersion, r.json.kind, r.json.metadata.namespace]).toEqual([201, 'rbac.authorization.k8s.io/v1', 'Role', 'ws']);
    const b = await t.request('POST', `${RBAC}/namespaces/ws/rolebindings`, { body: binding });
    expect(b.status).toBe(201);
    expect([b.json.roleRef, b.json.subjects]).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'student' },
      [{ kind: 'ServiceAccount', name: 'student', namespace: 'ws' }, { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ana' }]]);
    const list = (await t.request('GET', `${RBAC}/namespaces/ws/rolebindings`)).json;
    expect([list.kind, list.apiVersion]).toEqual(['RoleBindingList', 'rbac.authorization.k8s.io/v1']);
    const nope = await t.request('GET', `${RBAC}/namespaces/ws/roles/nope`);
    expect([nope.status, nope.json.message, nope.json.details]).toEqual([404, 'roles.rbac.authorization.k8s.io "nope" not found', { name: 'nope', group: 'rbac.authorization.k8s.io', kind: 'roles' }]);
    const dup = await t.request('POST', `${RBAC}/namespaces/ws/roles`, { body: role });
    expect([dup.status, dup.json.message]).toEqual([409, 'roles.rbac.authorization.k8s.io "student" already exists']);
  });

  it('refuses what kube-apiserver refuses, in its words', async () => {
    const bad = async (path: string, body: unknown) => (await t.request('POST', path, { body })).json;
    expect((await bad(`${RBAC}/namespaces/ws/roles`, { metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'] }] })).message)
      .toBe('Role.rbac.authorization.k8s.io "r" is invalid: rules[0].verbs: Required value: verbs must contain at least one value');
    expect((await bad(`${RBAC}/namespaces/ws/roles`, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] })).message)
      .toBe('Role.rbac.authorization.k8s.io "r" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs');
    const crb = await bad(`${RBAC}/clusterrolebindings`, { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'a' }] });
    expect(crb.message).toBe('ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]');
    expect(crb.details).toEqual({ name: 'b', group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', causes: expect.any(Array) });
    expect((await bad(`${RBAC}/namespaces/ws/rolebindings`, { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'Robot', name: 'r2' }] })).message)
      .toBe('RoleBinding.rbac.authorization.k8s.io "b" is invalid: subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"');
    const moved = await t.request('PATCH', `${RBAC}/namespaces/ws/rolebindings/student`, { type: 'application/merge-patch+json', body: { roleRef: { name: 'other' } } });
    expect([moved.status, moved.json.message]).toEqual([422,
      'RoleBinding.rbac.authorization.k8s.io "student" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef']);
    const ok = await t.request('PATCH', `${RBAC}/namespaces/ws/rolebindings/student`, { type: 'application/merge-patch+json', body: { subjects: [{ kind: 'Group', name: 'g', apiGroup: 'rbac.authorization.k8s.io' }] } });
    expect(ok.status).toBe(200);
  });
});

describe('quotas and limit ranges', () => {
  it('stores them; a LimitRange gets its defaults (default limit = max, default request = default limit)', async () => {
    const lr = await t.request('POST', '/api/v1/namespaces/ws/limitranges', { body: { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { memory: '128Mi' } }] } } });
    expect([lr.status, lr.json.spec.limits]).toEqual([201, [{ type: 'Container', max: { cpu: '1' }, default: { memory: '128Mi', cpu: '1' }, defaultRequest: { memory: '128Mi', cpu: '1' } }]]);
    const q = await t.request('POST', '/api/v1/namespaces/ws/resourcequotas', { body: { metadata: { name: 'q' }, spec: { hard: { pods: '2' } } } });
    expect([q.status, q.json.kind, q.json.spec]).toEqual([201, 'ResourceQuota', { hard: { pods: '2' } }]);
    const bad = await t.request('POST', '/api/v1/namespaces/ws/resourcequotas', { body: { metadata: { name: 'q2' }, spec: { hard: { pods: 'many' } } } });
    expect(bad.status).toBe(400);
    const neg = await t.request('POST', '/api/v1/namespaces/ws/resourcequotas', { body: { metadata: { name: 'q3' }, spec: { hard: { pods: '-1' } } } });
    expect([neg.status, neg.json.message]).toEqual([422, 'ResourceQuota "q3" is invalid: spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0']);
  });
});

describe('a deleted namespace', () => {
  it('takes its accounts, roles, bindings, quotas and limit ranges with it', async () => {
    expect((await t.request('DELETE', '/api/v1/namespaces/ws')).status).toBe(200);
    await eventually(async () => (await t.request('GET', '/api/v1/namespaces/ws')).status === 404, 'ws to go');
    for (const r of ['serviceaccounts', 'resourcequotas', 'limitranges', 'roles', 'rolebindings']) expect([r, t.store.list(r as never, 'ws').length]).toEqual([r, 0]);
  });
});
