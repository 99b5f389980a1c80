// Authentication and authorization in the API server's request path, and the APIs kubectl auth and kubectl create
// token use: the admin token is kubernetes-admin in system:masters, service-account tokens come from TokenRequest
// and stop at once when their account goes, RBAC decides every request (upgrades too, before the pod is looked
// up) and a "no" is kube-apiserver's 403 word for word.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import { startTestApi, eventually, type TestApi } from './api-client.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const USER = 'system:serviceaccount:a:student';
let t: TestApi;
let token = '';

const forbidden = (message: string, details: Record<string, string>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });
const as = (method: string, path: string, body?: unknown) => t.request(method, path, { token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  t = await startTestApi();
  for (const ns of ['a', 'b']) expect((await t.request('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } })).status).toBe(201);
  expect((await t.request('POST', '/api/v1/namespaces/a/serviceaccounts', { body: { metadata: { name: 'student' } } })).status).toBe(201);
  expect((await t.request('POST', `${RBAC}/namespaces/a/roles`, { body: { metadata: { name: 'student' }, rules: [
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create', 'get'] },
  ] } })).status).toBe(201);
  expect((await t.request('POST', `${RBAC}/namespaces/a/rolebindings`, { body: { metadata: { name: 'student' }, roleRef: { kind: 'Role', name: 'student', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: 'a' }] } })).status).toBe(201);
  const tr = await t.request('POST', '/api/v1/namespaces/a/serviceaccounts/student/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 3600 } } });
  expect(tr.status).toBe(201);
  token = tr.json.status.token;
}, 30_000);
afterAll(async () => {
  await t?.close();
});

describe('who asks', () => {
  it('the admin token is kubernetes-admin in system:masters', async () => {
    const r = await t.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect([r.status, r.json.kind, r.json.status.userInfo]).toEqual([201, 'SelfSubjectReview', { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }]);
  });

  it('a TokenRequest gives a service-account token that authenticates as the account', async () => {
    expect(token.split('.')).toHaveLength(3);
    const r = await as('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
    expect(r.json.status.userInfo).toMatchObject({ username: USER, groups: ['system:serviceaccounts', 'system:serviceaccounts:a', 'system:authenticated'] });
    expect(r.json.status.userInfo.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^JTI=[0-9a-f-]{36}$/);
    const review = await t.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { spec: { token } } });
    expect([review.status, review.json.status.authenticated, review.json.status.user.username]).toEqual([201, true, USER]);
    expect((await t.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { spec: { token: 'nope' } } })).json.status).toEqual({ user: {}, error: 'invalid bearer token' });
  });

  it('TokenRequest refuses what kube-apiserver refuses', async () => {
    const missing = await t.request('POST', '/api/v1/namespaces/a/serviceaccounts/nobody/token', { body: { spec: {} } });
    expect([missing.status, missing.json.message]).toEqual([404, 'serviceaccounts "nobody" not found']);
    const short = await t.request('POST', '/api/v1/namespaces/a/serviceaccounts/student/token', { body: { spec: { expirationSeconds: 599 } } });
    expect([short.status, short.json.message, short.json.details.group, short.json.details.kind]).toEqual([422,
      'TokenRequest.authentication.k8s.io "student" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes', 'authentication.k8s.io', 'TokenRequest']);
    // A student may not mint tokens.
    expect((await as('POST', '/api/v1/namespaces/a/serviceaccounts/student/token', { spec: {} })).json).toEqual(forbidden(
      `serviceaccounts "student" is forbidden: User "${USER}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "a"`, { name: 'student', kind: 'serviceaccounts' }));
  });

  it('no token: system:anonymous, which RBAC lets read /version and the health checks only; an unknown token is 401 everywhere', async () => {
    expect((await t.request('GET', '/version', { token: null })).status).toBe(200);
    expect((await t.request('GET', '/api', { token: null })).json).toEqual(forbidden('forbidden: User "system:anonymous" cannot get path "/api"', {}));
    expect((await t.request('GET', '/api/v1/pods', { token: null })).json).toEqual(forbidden(
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope', { kind: 'pods' }));
    // What a binding gives system:unauthenticated, anonymous gets (kube-apiserver evaluates it like any group).
    const bind = { metadata: { name: 'anon-view' }, roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'Group', name: 'system:unauthenticated', apiGroup: 'rbac.authorization.k8s.io' }] };
    expect((await t.request('POST', `${RBAC}/namespaces/b/rolebindings`, { body: bind })).status).toBe(201);
    expect((await t.request('GET', '/api/v1/namespaces/b/pods', { token: null })).status).toBe(200);
    expect((await t.request('DELETE', `${RBAC}/namespaces/b/rolebindings/anon-view`)).status).toBe(200);
    expect((await t.request('GET', '/api/v1/namespaces/b/pods', { token: null })).status).toBe(403);
    for (const path of ['/version', '/api', '/api/v1/pods']) {
      expect((await t.request('GET', path, { token: `${token}x` })).json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });
});

describe('what they may do', () => {
  it('a student works in their namespace and gets kube-apiserver\'s Forbidden anywhere else', async () => {
    expect((await as('GET', '/api/v1/namespaces/a/pods')).status).toBe(200);
    expect((await as('GET', '/api/v1/namespaces/b/pods')).json).toEqual(forbidden(
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "b"`, { kind: 'pods' }));
    expect((await as('GET', '/api/v1/namespaces/b/pods/kiada')).json).toEqual(forbidden(
      `pods "kiada" is forbidden: User "${USER}" cannot get resource "pods" in API group "" in the namespace "b"`, { name: 'kiada', kind: 'pods' }));
    expect((await as('GET', '/api/v1/nodes')).json.message).toBe(`nodes is forbidden: User "${USER}" cannot list resource "nodes" in API group "" at the cluster scope`);
    expect((await as('GET', `${RBAC}/namespaces/a/roles`)).json).toEqual(forbidden(
      `roles.rbac.authorization.k8s.io is forbidden: User "${USER}" cannot list resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "a"`, { group: 'rbac.authorization.k8s.io', kind: 'roles' }));
    // Discovery and OpenAPI are everyone's (system:discovery).
    for (const p of ['/api', '/apis', '/api/v1', '/openapi/v3', '/version']) expect([p, (await as('GET', p)).status]).toEqual([p, 200]);
  });

  it('exec, attach and port-forward upgrades are authorized before the pod is looked up', async () => {
    const upgrade = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: t.api.port, path, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, connection: 'Upgrade', upgrade: 'SPDY/3.1' } });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode!, body: '' });
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
    const other = await upgrade('/api/v1/namespaces/b/pods/nothere/exec?command=sh');
    expect([other.status, JSON.parse(other.body).message]).toEqual([403, `pods "nothere" is forbidden: User "${USER}" cannot get resource "pods/exec" in API group "" in the namespace "b"`]);
    expect((await upgrade('/api/v1/namespaces/a/pods/nothere/portforward')).status).toBe(404);
    expect((await upgrade('/api/v1/namespaces/a/pods/nothere/attach')).status).toBe(403);
  });

  it('kubectl auth can-i: SelfSubjectAccessReview and SelfSubjectRulesReview', async () => {
    const can = async (resourceAttributes: object) => (await as('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes } })).json.status;
    expect(await can({ namespace: 'a', verb: 'create', resource: 'pods', subresource: 'portforward' })).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "student/a" of Role "student" to ServiceAccount "student/a"' });
    expect(await can({ namespace: 'b', verb: 'list', resource: 'pods' })).toEqual({ allowed: false });
    const bad = await as('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} });
    expect([bad.status, bad.json.message]).toEqual([422, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified']);
    const rules = (await as('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'a' } })).json.status;
    expect(rules.resourceRules).toEqual(expect.arrayContaining([{ verbs: ['get', 'list', 'watch', 'create', 'delete'], apiGroups: [''], resources: ['pods'] }]));
    expect(rules.incomplete).toBe(false);
  });

  it('SubjectAccessReview answers for any user (kubectl auth can-i --as)', async () => {
    const sar = await t.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body: { spec: { user: USER, groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'a', verb: 'delete', resource: 'pods' } } } });
    expect([sar.status, sar.json.status.allowed]).toEqual([201, true]);
    const local = await t.request('POST', '/apis/authorization.k8s.io/v1/namespaces/b/localsubjectaccessreviews', { body: { spec: { user: USER, resourceAttributes: { verb: 'get', resource: 'pods' } } } });
    expect([local.status, local.json.spec.resourceAttributes.namespace, local.json.status.allowed]).toEqual([201, 'b', false]);
  });

  it('a deleted account\'s tokens stop at once', async () => {
    const sa = (await t.request('GET', '/api/v1/namespaces/a/serviceaccounts/student')).json;
    expect((await t.request('DELETE', '/api/v1/namespaces/a/serviceaccounts/student')).status).toBe(200);
    expect((await as('GET', '/api/v1/namespaces/a/pods')).status).toBe(401);
    // Made again under the same name: a new uid, and the old token still fails.
    await t.request('POST', '/api/v1/namespaces/a/serviceaccounts', { body: { metadata: { name: 'student' } } });
    const again = await eventually(async () => (await t.request('GET', '/api/v1/namespaces/a/serviceaccounts/student')).json.metadata?.uid);
    expect(again).not.toBe(sa.metadata.uid);
    expect((await as('GET', '/api/v1/namespaces/a/pods')).status).toBe(401);
  });
});
