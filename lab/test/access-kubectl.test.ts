// The multi-user lab as the real kubectl sees it: RBAC objects applied, created and printed as on kind (protobuf
// bodies of `kubectl create role|rolebinding|quota`, server-side tables, explain from the OpenAPI documents).
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { skipUnlessLab, useTestLab } from '../src/testing.ts';

const skip = skipUnlessLab();
const RBAC_YAML = path.join(import.meta.dirname, '..', '..', 'k8s', 'rbac.kiada-tools.yaml');
const cells = (out: string) => out.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));

describe.skipIf(skip)('RBAC objects with kubectl', { timeout: 60_000 }, () => {
  const lab = useTestLab();

  it('kubectl apply of k8s/rbac.kiada-tools.yaml creates, then leaves unchanged; get prints kube-apiserver\'s columns', async () => {
    const created = ['role.rbac.authorization.k8s.io/kiada-tools', 'rolebinding.rbac.authorization.k8s.io/kiada-tools',
      'clusterrole.rbac.authorization.k8s.io/kiada-tools-nodes', 'clusterrolebinding.rbac.authorization.k8s.io/kiada-tools-nodes'];
    expect(await lab.kubectl(['apply', '-f', RBAC_YAML])).toEqual({ code: 0, stdout: created.map((c) => `${c} created\n`).join(''), stderr: '' });
    expect((await lab.kubectl(['apply', '-f', RBAC_YAML])).stdout).toBe(created.map((c) => `${c} unchanged\n`).join(''));
    const roles = cells((await lab.kubectl(['get', 'role'])).stdout);
    expect(roles[0]).toEqual(['NAME', 'CREATED AT']);
    expect(roles[1][0]).toBe('kiada-tools');
    expect(roles[1][1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(cells((await lab.kubectl(['get', 'rolebinding', '-o', 'wide'])).stdout).map((r) => r.filter((_, i) => i !== 2))).toEqual([
      ['NAME', 'ROLE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS'], ['kiada-tools', 'Role/kiada-tools', 'kiada-reader'],
    ]);
    expect(cells((await lab.kubectl(['get', 'clusterrolebinding', 'kiada-tools-nodes'])).stdout).map((r) => [r[0], r[1]])).toEqual([['NAME', 'ROLE'], ['kiada-tools-nodes', 'ClusterRole/kiada-tools-nodes']]);
    expect((await lab.kubectl(['get', 'clusterrole', 'admin', 'view', '-o', 'name'])).stdout).toBe('clusterrole.rbac.authorization.k8s.io/admin\nclusterrole.rbac.authorization.k8s.io/view\n');
  });

  it('kubectl create sa|role|rolebinding|quota (protobuf bodies) and describe show what was asked', async () => {
    expect((await lab.kubectl(['create', 'sa', 'bob'])).stdout).toBe('serviceaccount/bob created\n');
    expect(cells((await lab.kubectl(['get', 'sa'])).stdout).map((r) => r.slice(0, 2))).toEqual([['NAME', 'SECRETS'], ['bob', '0'], ['default', '0']]);
    expect((await lab.kubectl(['create', 'role', 'r', '--verb=get,list', '--resource=pods,pods/log'])).stdout).toBe('role.rbac.authorization.k8s.io/r created\n');
    expect((await lab.kubectl(['create', 'rolebinding', 'rb', '--role=r', '--serviceaccount=default:bob', '--group=g'])).stdout).toBe('rolebinding.rbac.authorization.k8s.io/rb created\n');
    const role = JSON.parse((await lab.kubectl(['get', 'role', 'r', '-o', 'json'])).stdout);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }]);
    const rb = JSON.parse((await lab.kubectl(['get', 'rolebinding', 'rb', '-o', 'json'])).stdout);
    expect([rb.roleRef, rb.subjects]).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 'bob', namespace: 'default' }]]);
    expect((await lab.kubectl(['describe', 'rolebinding', 'rb'])).stdout).toContain('Subjects:\n  Kind            Name  Namespace\n  ----            ----  ---------\n  Group           g     \n  ServiceAccount  bob   default\n');
    expect((await lab.kubectl(['create', 'quota', 'q', '--hard=pods=2,requests.cpu=1,limits.memory=1Gi'])).stdout).toBe('resourcequota/q created\n');
    expect(JSON.parse((await lab.kubectl(['get', 'quota', 'q', '-o', 'json'])).stdout).spec).toEqual({ hard: { pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi' } });
    expect(await lab.kubectl(['get', 'role', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): roles.rbac.authorization.k8s.io "nope" not found\n' });
    const crb = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n';
    expect((await lab.kubectl(['create', '-f', '-'], { input: crb })).stderr).toBe(
      'The ClusterRoleBinding "x" is invalid: roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"\n');
  });

  it('kubectl explain and api-resources know the new kinds', async () => {
    const explain = (await lab.kubectl(['explain', 'rolebinding.subjects'])).stdout;
    expect(explain).toMatch(/^GROUP:\s+rbac\.authorization\.k8s\.io\nKIND:\s+RoleBinding\nVERSION:\s+v1\n/);
    expect(explain).toContain('FIELD: subjects <[]Subject>');
    const res = cells((await lab.kubectl(['api-resources', '--no-headers'])).stdout).map((r) => r[0]);
    expect(res).toEqual(expect.arrayContaining(['serviceaccounts', 'resourcequotas', 'limitranges', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings',
      'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']));
  });
});

describe.skipIf(skip)('users with kubectl: tokens, can-i, whoami, Forbidden', { timeout: 60_000 }, () => {
  const lab = useTestLab();
  let studentConfig = '';
  const USER = 'system:serviceaccount:ana:student';
  /** kubectl with the student's kubeconfig (their token, their namespace). */
  const student = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('kubectl', ['--kubeconfig', studentConfig, '--cache-dir', path.join(lab.home, 'student-cache'), ...args], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );
  beforeAll(async () => {
    await lab.kubectl(['create', 'namespace', 'ana']);
    await lab.kubectl(['create', 'namespace', 'bo']);
    await lab.kubectl(['create', 'sa', 'student', '-n', 'ana']);
    await lab.kubectl(['create', 'role', 'student', '-n', 'ana', '--verb=get,list,watch,create,delete', '--resource=pods']);
    await lab.kubectl(['create', 'rolebinding', 'student', '-n', 'ana', '--role=student', '--serviceaccount=ana:student']);
  }, 90_000);

  it('kubectl create token gives a token kubectl then works with, in the namespace of its context', async () => {
    const tok = await lab.kubectl(['create', 'token', 'student', '-n', 'ana', '--duration=1h']);
    expect([tok.code, tok.stdout.trim().split('.').length]).toEqual([0, 3]);
    const kc = parse(fs.readFileSync(lab.kubeconfig, 'utf8'));
    kc.users[0].user = { token: tok.stdout.trim() };
    kc.contexts[0].context.namespace = 'ana';
    studentConfig = path.join(lab.home, 'student.kubeconfig');
    fs.writeFileSync(studentConfig, stringify(kc), { mode: 0o600 });
    expect(await student('get', 'pods')).toEqual({ code: 0, stdout: '', stderr: 'No resources found in ana namespace.\n' });
    expect((await lab.kubectl(['create', 'token', 'nobody', '-n', 'ana'])).stderr).toBe('error: failed to create token: serviceaccounts "nobody" not found\n');
  });

  it('elsewhere, kube-apiserver\'s exact Forbidden', async () => {
    expect(await student('get', 'pods', '-n', 'bo')).toEqual({ code: 1, stdout: '',
      stderr: `Error from server (Forbidden): pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "bo"\n` });
    expect(await student('get', 'nodes')).toEqual({ code: 1, stdout: '',
      stderr: `Error from server (Forbidden): nodes is forbidden: User "${USER}" cannot list resource "nodes" in API group "" at the cluster scope\n` });
    expect((await student('delete', 'namespace', 'bo')).stderr).toBe(
      `Error from server (Forbidden): namespaces "bo" is forbidden: User "${USER}" cannot delete resource "namespaces" in API group "" in the namespace "bo"\n`);
  });

  it('kubectl auth can-i, can-i --list and whoami', async () => {
    expect(await student('auth', 'can-i', 'list', 'pods')).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
    expect(await student('auth', 'can-i', 'list', 'pods', '-n', 'bo')).toEqual({ code: 1, stdout: 'no\n', stderr: '' });
    // `pods/portforward` is the pod named portforward to kubectl; the subresource is its own flag.
    expect(await student('auth', 'can-i', 'create', 'pods/portforward')).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
    expect(await student('auth', 'can-i', 'create', 'pods', '--subresource=portforward')).toEqual({ code: 1, stdout: 'no\n', stderr: '' });
    expect((await lab.kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'ana', `--as=${USER}`])).stdout).toBe('yes\n');
    const list = (await student('auth', 'can-i', '--list')).stdout;
    expect(list.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(list).toMatch(/\npods\s+\[\]\s+\[\]\s+\[get list watch create delete\]\n/);
    expect(list).toMatch(/\nselfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]\n/);
    const who = await student('auth', 'whoami');
    expect(who.stdout).toMatch(new RegExp(`^ATTRIBUTE\\s+VALUE\\nUsername\\s+${USER}\\nUID\\s+[0-9a-f-]{36}\\nGroups\\s+\\[system:serviceaccounts system:serviceaccounts:ana system:authenticated\\]\\n`));
    expect(who.stdout).toMatch(/Extra: authentication\.kubernetes\.io\/credential-id\s+\[JTI=[0-9a-f-]{36}\]\n/);
    expect((await lab.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'])).stdout).toBe('kubernetes-admin ["system:masters","system:authenticated"]');
  });

  it('deleting the account ends its tokens at once', async () => {
    await lab.kubectl(['delete', 'sa', 'student', '-n', 'ana']);
    expect(await student('get', 'pods')).toEqual({ code: 1, stdout: '', stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
  });
});
