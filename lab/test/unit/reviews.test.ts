// kubectl auth can-i / can-i --list / whoami as the review APIs answer them, and the request path's authorization
// step (attributes → decision → 403), for a workshop student bound to a Role in their own namespace.
import { describe, it, expect } from 'vitest';
import { defaultPolicy } from '../../src/auth/bootstrap-policy.ts';
import { selfSubjectAccessReview, selfSubjectRulesReview, selfSubjectReview, ReviewInvalid } from '../../src/auth/reviews.ts';
import { checkRequest } from '../../src/auth/authorize.ts';
import { serviceAccountUser, withAuthenticated } from '../../src/auth/users.ts';
import type { Policy, PolicyRule } from '../../src/auth/rbac.ts';

const RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['create'] },
];
function workshop(): Policy {
  const p = defaultPolicy();
  for (const ns of ['student1', 'student2']) {
    p.roles.push({ metadata: { name: 'student', namespace: ns }, rules: RULES });
    p.roleBindings.push({ metadata: { name: 'student', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'student' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: ns }] });
  }
  return p;
}
const s1 = serviceAccountUser('student1', 'student', 'uid-1');
const ssar = (ra: Record<string, string>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null }, spec: { resourceAttributes: ra } });

describe('SelfSubjectAccessReview (kubectl auth can-i)', () => {
  it('yes in the student\'s namespace, with the binding that allows it', () => {
    expect(selfSubjectAccessReview(workshop(), s1, ssar({ namespace: 'student1', verb: 'list', resource: 'pods' }))).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'student1', verb: 'list', resource: 'pods' } },
      status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "student/student1" of Role "student" to ServiceAccount "student/student1"' },
    });
  });
  it('no (and no reason) in another namespace, for nodes, for secrets', () => {
    const asks: Record<string, string>[] = [{ namespace: 'student2', verb: 'list', resource: 'pods' }, { verb: 'list', resource: 'nodes' }, { namespace: 'student1', verb: 'get', resource: 'secrets' }, { namespace: 'student1', verb: 'get', resource: 'pods', subresource: 'exec' }];
    for (const ra of asks) {
      expect([ra, selfSubjectAccessReview(workshop(), s1, ssar(ra)).status]).toEqual([ra, { allowed: false }]);
    }
  });
  it('subresources and non-resource URLs', () => {
    expect(selfSubjectAccessReview(workshop(), s1, ssar({ namespace: 'student1', verb: 'create', resource: 'pods', subresource: 'portforward', name: 'kiada' })).status.allowed).toBe(true);
    const nr = { spec: { nonResourceAttributes: { verb: 'get', path: '/api' } } };
    expect(selfSubjectAccessReview(workshop(), s1, nr).status).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' });
    expect(selfSubjectAccessReview(workshop(), s1, { spec: { nonResourceAttributes: { verb: 'get', path: '/metrics' } } }).status).toEqual({ allowed: false });
  });
  it('a missing role is the reason kubectl prints after "no - "', () => {
    const p = workshop();
    p.roles = p.roles.filter((r) => r.metadata.namespace !== 'student1');
    expect(selfSubjectAccessReview(p, s1, ssar({ namespace: 'student1', verb: 'list', resource: 'pods' })).status).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "student" not found' });
  });
  it('exactly one of resourceAttributes and nonResourceAttributes', () => {
    const err = (spec: object) => {
      try {
        selfSubjectAccessReview(workshop(), s1, { spec });
      } catch (e) {
        return [(e as ReviewInvalid).field, (e as Error).message];
      }
    };
    expect(err({})).toEqual(['spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified']);
    expect(err({ resourceAttributes: {}, nonResourceAttributes: {} })).toEqual(['spec.nonResourceAttributes', 'cannot be specified in combination with resourceAttributes']);
  });
});

describe('SelfSubjectRulesReview (kubectl auth can-i --list)', () => {
  it('the student\'s rules in their namespace: the bootstrap ones for every authenticated user, then the Role\'s', () => {
    const r = selfSubjectRulesReview(workshop(), s1, { spec: { namespace: 'student1' } });
    expect(r.status.incomplete).toBe(false);
    expect(r.status.evaluationError).toBeUndefined();
    expect(r.status.resourceRules).toEqual([
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      ...RULES.map((x) => ({ verbs: x.verbs, apiGroups: x.apiGroups, resources: x.resources })),
    ]);
    expect(r.status.nonResourceRules.map((x: { nonResourceURLs: string[] }) => x.nonResourceURLs[0])).toEqual(['/api', '/healthz', '/.well-known/openid-configuration']);
    // In another namespace only the cluster-wide ones.
    expect(selfSubjectRulesReview(workshop(), s1, { spec: { namespace: 'student2' } }).status.resourceRules).toHaveLength(2);
  });
  it('system:masters may do everything', () => {
    const admin = withAuthenticated({ name: 'kubernetes-admin', groups: ['system:masters'] });
    const r = selfSubjectRulesReview(workshop(), admin, { spec: { namespace: 'default' } });
    expect(r.status.resourceRules[0]).toEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    expect(r.status.nonResourceRules[0]).toEqual({ verbs: ['*'], nonResourceURLs: ['*'] });
  });
});

describe('SelfSubjectReview (kubectl auth whoami)', () => {
  it('the user as authenticated', () => {
    const user = { ...s1, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=abc'] } };
    expect(selfSubjectReview(user, new Date('2025-03-01T10:00:00.5Z'))).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: '2025-03-01T10:00:00Z' },
      status: { userInfo: { username: 'system:serviceaccount:student1:student', uid: 'uid-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:student1', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=abc'] } } },
    });
  });
});

describe('the request path\'s authorization', () => {
  const p = workshop();
  it('allows the student\'s own namespace; refuses another\'s with kube-apiserver\'s Status', () => {
    expect(checkRequest(p, s1, 'GET', '/api/v1/namespaces/student1/pods?limit=500')).toMatchObject({ allowed: true });
    const v = checkRequest(p, s1, 'GET', '/api/v1/namespaces/student2/pods/kiada/log?follow=true');
    expect(v.allowed).toBe(false);
    expect(!v.allowed && v.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot get resource "pods/log" in API group "" in the namespace "student2"',
      reason: 'Forbidden', details: { name: 'kiada', kind: 'pods' }, code: 403,
    });
  });
  it('exec by SPDY (POST) needs create; by WebSocket (GET) get on 1.32, and create as well on 1.35', () => {
    expect(checkRequest(p, s1, 'POST', '/api/v1/namespaces/student1/pods/kiada/exec?command=sh').allowed).toBe(true);
    // Only `create` granted: kubectl's WebSocket GET is refused (kubectl then falls back to SPDY) …
    const ws = checkRequest(p, s1, 'GET', '/api/v1/namespaces/student1/pods/kiada/exec?command=sh');
    expect(!ws.allowed && ws.status.message).toBe('pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot get resource "pods/exec" in API group "" in the namespace "student1"');
    // … with `get` too (the workshop's Role), it passes; with 1.35's extra check it needs both.
    const both = workshop();
    both.roles = both.roles.map((r) => ({ ...r, rules: [...RULES, { apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }] }));
    expect(checkRequest(both, s1, 'GET', '/api/v1/namespaces/student1/pods/kiada/exec?command=sh', { websocketCreateCheck: true }).allowed).toBe(true);
    const getOnly = workshop();
    getOnly.roles = getOnly.roles.map((r) => ({ ...r, rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }] }));
    expect(checkRequest(getOnly, s1, 'GET', '/api/v1/namespaces/student1/pods/kiada/exec?command=sh').allowed).toBe(true);
    const v = checkRequest(getOnly, s1, 'GET', '/api/v1/namespaces/student1/pods/kiada/exec?command=sh', { websocketCreateCheck: true });
    expect(!v.allowed && v.status.message).toBe('pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot create resource "pods/exec" in API group "" in the namespace "student1"');
  });
});
