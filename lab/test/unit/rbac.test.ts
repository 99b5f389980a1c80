// RBAC as kube-apiserver evaluates it. The cases of TestAuthorizer, TestRuleMatches
// (plugin/pkg/auth/authorizer/rbac/rbac_test.go) and TestSubjectLocator (subject_locator_test.go), with their
// helpers transcribed (newRule splits on ",", so "" is [""] as in Go); then resolution errors, service-account
// subjects, the "allowed by" reasons, and the aggregated admin/edit/view of the bootstrap policy.
import { describe, it, expect } from 'vitest';
import {
  authorize,
  authorizeRBAC,
  allowedSubjects,
  ruleAllows,
  rulesFor,
  type Attributes,
  type ClusterRole,
  type ClusterRoleBinding,
  type Policy,
  type PolicyRule,
  type Role,
  type RoleBinding,
  type Subject,
} from '../../src/auth/rbac.ts';
import { aggregateClusterRoles, labelSelectorMatches } from '../../src/auth/aggregation.ts';
import { bootstrapPolicy, defaultPolicy } from '../../src/auth/bootstrap-policy.ts';
import { serviceAccountUser, withAuthenticated, splitServiceAccountUsername, ANONYMOUS } from '../../src/auth/users.ts';

const RBAC = 'rbac.authorization.k8s.io';
const newRule = (verbs: string, apiGroups: string, resources: string, nonResourceURLs: string): PolicyRule => ({
  verbs: verbs.split(','),
  apiGroups: apiGroups.split(','),
  resources: resources.split(','),
  nonResourceURLs: nonResourceURLs.split(','),
});
const newRole = (name: string, namespace: string, ...rules: PolicyRule[]): Role => ({ metadata: { name, namespace }, rules });
const newClusterRole = (name: string, ...rules: PolicyRule[]): ClusterRole => ({ metadata: { name }, rules });
const subjects = (specs: string[]): Subject[] =>
  specs.map((s) => {
    const [kind, name] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)];
    return { kind, name, apiGroup: kind === 'ServiceAccount' ? '' : RBAC };
  });
const newClusterRoleBinding = (roleName: string, ...subj: string[]): ClusterRoleBinding => ({
  metadata: { name: '' },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
  subjects: subjects(subj),
});
const ROLE = 'Role';
const CLUSTER_ROLE = 'ClusterRole';
const newRoleBinding = (namespace: string, roleName: string, kind: string, ...subj: string[]): RoleBinding => ({
  metadata: { name: '', namespace },
  roleRef: { apiGroup: RBAC, kind, name: roleName },
  subjects: subjects(subj),
});
/** rbac_test.go's defaultAttributes{user, groups, verb, resource, subresource, namespace, apiGroup}. */
const attrs = (user: string, groups: string, verb: string, resource: string, subresource: string, namespace: string, apiGroup: string): Attributes => ({
  user: { name: user, groups: groups.split(',') },
  verb,
  resource,
  subresource,
  namespace,
  apiGroup,
  name: '',
  resourceRequest: true,
});
const nonResource = (user: { name?: string; groups?: string[] }, verb: string, path: string): Attributes => ({
  user: { name: user.name ?? '', groups: user.groups ?? [] },
  verb,
  path,
  resourceRequest: false,
});
const policy = (p: Partial<Policy>): Policy => ({ roles: [], roleBindings: [], clusterRoles: [], clusterRoleBindings: [], ...p });

describe('TestAuthorizer (rbac_test.go)', () => {
  const cases: { p: Policy; pass: Attributes[]; fail: Attributes[] }[] = [
    {
      p: policy({
        clusterRoles: [newClusterRole('admin', newRule('*', '*', '*', '*'))],
        roleBindings: [newRoleBinding('ns1', 'admin', CLUSTER_ROLE, 'User:admin', 'Group:admins')],
      }),
      pass: [
        attrs('admin', '', 'get', 'Pods', '', 'ns1', ''),
        attrs('admin', '', 'watch', 'Pods', '', 'ns1', ''),
        attrs('admin', 'group1', 'watch', 'Foobar', '', 'ns1', ''),
        attrs('joe', 'admins', 'watch', 'Foobar', '', 'ns1', ''),
        attrs('joe', 'group1,admins', 'watch', 'Foobar', '', 'ns1', ''),
      ],
      fail: [
        attrs('admin', '', 'GET', 'Pods', '', 'ns2', ''),
        attrs('admin', '', 'GET', 'Nodes', '', '', ''),
        attrs('admin', 'admins', 'GET', 'Pods', '', 'ns2', ''),
        attrs('admin', 'admins', 'GET', 'Nodes', '', '', ''),
      ],
    },
    {
      // Non-resource-url tests
      p: policy({
        clusterRoles: [
          newClusterRole('non-resource-url-getter', newRule('get', '', '', '/apis')),
          newClusterRole('non-resource-url', newRule('*', '', '', '/apis')),
          newClusterRole('non-resource-url-prefix', newRule('get', '', '', '/apis/*')),
        ],
        clusterRoleBindings: [
          newClusterRoleBinding('non-resource-url-getter', 'User:foo', 'Group:bar'),
          newClusterRoleBinding('non-resource-url', 'User:admin', 'Group:admin'),
          newClusterRoleBinding('non-resource-url-prefix', 'User:prefixed', 'Group:prefixed'),
        ],
      }),
      pass: [
        nonResource({ name: 'foo' }, 'get', '/apis'),
        nonResource({ groups: ['bar'] }, 'get', '/apis'),
        nonResource({ name: 'admin' }, 'get', '/apis'),
        nonResource({ groups: ['admin'] }, 'get', '/apis'),
        nonResource({ name: 'admin' }, 'watch', '/apis'),
        nonResource({ groups: ['admin'] }, 'watch', '/apis'),
        nonResource({ name: 'prefixed' }, 'get', '/apis/v1'),
        nonResource({ groups: ['prefixed'] }, 'get', '/apis/v1'),
        nonResource({ name: 'prefixed' }, 'get', '/apis/v1/foobar'),
        nonResource({ groups: ['prefixed'] }, 'get', '/apis/v1/foorbar'),
      ],
      fail: [
        // wrong verb
        nonResource({ name: 'foo' }, 'watch', '/apis'),
        nonResource({ groups: ['bar'] }, 'watch', '/apis'),
        // wrong path
        nonResource({ name: 'foo' }, 'get', '/api/v1'),
        nonResource({ groups: ['bar'] }, 'get', '/api/v1'),
        nonResource({ name: 'admin' }, 'get', '/api/v1'),
        nonResource({ groups: ['admin'] }, 'get', '/api/v1'),
        // not covered by prefix
        nonResource({ name: 'prefixed' }, 'get', '/api/v1'),
        nonResource({ groups: ['prefixed'] }, 'get', '/api/v1'),
      ],
    },
    {
      // test subresource resolution
      p: policy({
        clusterRoles: [newClusterRole('admin', newRule('*', '*', 'pods', '*'))],
        roleBindings: [newRoleBinding('ns1', 'admin', CLUSTER_ROLE, 'User:admin', 'Group:admins')],
      }),
      pass: [attrs('admin', '', 'get', 'pods', '', 'ns1', '')],
      fail: [attrs('admin', '', 'get', 'pods', 'status', 'ns1', '')],
    },
    {
      // test subresource resolution
      p: policy({
        clusterRoles: [newClusterRole('admin', newRule('*', '*', 'pods/status', '*'))],
        roleBindings: [newRoleBinding('ns1', 'admin', CLUSTER_ROLE, 'User:admin', 'Group:admins')],
      }),
      pass: [attrs('admin', '', 'get', 'pods', 'status', 'ns1', '')],
      fail: [attrs('admin', '', 'get', 'pods', '', 'ns1', '')],
    },
  ];
  it.each(cases.map((c, i) => [i, c] as const))('case %d', (_i, c) => {
    for (const a of c.pass) expect([a, authorizeRBAC(c.p, a).allowed]).toEqual([a, true]);
    for (const a of c.fail) expect([a, authorizeRBAC(c.p, a).allowed]).toEqual([a, false]);
  });
});

describe('TestRuleMatches (rbac_test.go)', () => {
  const rr = (verb: string, group: string, resource: string, subresource = '', name = ''): Attributes => ({ user: { name: '', groups: [] }, resourceRequest: true, verb, apiGroup: group, resource, subresource, name });
  const nr = (verb: string, path: string): Attributes => ({ user: { name: '', groups: [] }, resourceRequest: false, verb, path });
  const rule = (verbs: string[], o: Omit<PolicyRule, 'verbs'>): PolicyRule => ({ verbs, ...o });
  const cases: [string, PolicyRule, [Attributes, boolean][]][] = [
    ['star verb, exact match other', rule(['*'], { apiGroups: ['group1'], resources: ['resource1'] }), [
      [rr('verb1', 'group1', 'resource1'), true], [rr('verb1', 'group2', 'resource1'), false], [rr('verb1', 'group1', 'resource2'), false], [rr('verb1', 'group2', 'resource2'), false],
      [rr('verb2', 'group1', 'resource1'), true], [rr('verb2', 'group2', 'resource1'), false], [rr('verb2', 'group1', 'resource2'), false], [rr('verb2', 'group2', 'resource2'), false],
    ]],
    ['star group, exact match other', rule(['verb1'], { apiGroups: ['*'], resources: ['resource1'] }), [
      [rr('verb1', 'group1', 'resource1'), true], [rr('verb1', 'group2', 'resource1'), true], [rr('verb1', 'group1', 'resource2'), false], [rr('verb1', 'group2', 'resource2'), false],
      [rr('verb2', 'group1', 'resource1'), false], [rr('verb2', 'group2', 'resource1'), false], [rr('verb2', 'group1', 'resource2'), false], [rr('verb2', 'group2', 'resource2'), false],
    ]],
    ['star resource, exact match other', rule(['verb1'], { apiGroups: ['group1'], resources: ['*'] }), [
      [rr('verb1', 'group1', 'resource1'), true], [rr('verb1', 'group2', 'resource1'), false], [rr('verb1', 'group1', 'resource2'), true], [rr('verb1', 'group2', 'resource2'), false],
      [rr('verb2', 'group1', 'resource1'), false], [rr('verb2', 'group2', 'resource1'), false], [rr('verb2', 'group1', 'resource2'), false], [rr('verb2', 'group2', 'resource2'), false],
    ]],
    ['tuple expansion', rule(['verb1', 'verb2'], { apiGroups: ['group1', 'group2'], resources: ['resource1', 'resource2'] }), [
      [rr('verb1', 'group1', 'resource1'), true], [rr('verb1', 'group2', 'resource1'), true], [rr('verb1', 'group1', 'resource2'), true], [rr('verb1', 'group2', 'resource2'), true],
      [rr('verb2', 'group1', 'resource1'), true], [rr('verb2', 'group2', 'resource1'), true], [rr('verb2', 'group1', 'resource2'), true], [rr('verb2', 'group2', 'resource2'), true],
    ]],
    ['subresource expansion', rule(['*'], { apiGroups: ['*'], resources: ['resource1/subresource1'] }), [
      [rr('verb1', 'group1', 'resource1', 'subresource1'), true], [rr('verb1', 'group2', 'resource1', 'subresource2'), false], [rr('verb1', 'group1', 'resource2', 'subresource1'), false], [rr('verb1', 'group2', 'resource2', 'subresource1'), false],
      [rr('verb2', 'group1', 'resource1', 'subresource1'), true], [rr('verb2', 'group2', 'resource1', 'subresource2'), false], [rr('verb2', 'group1', 'resource2', 'subresource1'), false], [rr('verb2', 'group2', 'resource2', 'subresource1'), false],
    ]],
    ['star nonresource, exact match other', rule(['verb1'], { nonResourceURLs: ['*'] }), [
      [nr('verb1', '/foo'), true], [nr('verb1', '/foo/bar'), true], [nr('verb1', '/foo/baz'), true], [nr('verb1', '/foo/bar/one'), true], [nr('verb1', '/foo/baz/one'), true],
      [nr('verb2', '/foo'), false], [nr('verb2', '/foo/bar'), false], [nr('verb2', '/foo/baz'), false], [nr('verb2', '/foo/bar/one'), false], [nr('verb2', '/foo/baz/one'), false],
    ]],
    ['star nonresource subpath', rule(['verb1'], { nonResourceURLs: ['/foo/*'] }), [
      [nr('verb1', '/foo'), false], [nr('verb1', '/foo/bar'), true], [nr('verb1', '/foo/baz'), true], [nr('verb1', '/foo/bar/one'), true], [nr('verb1', '/foo/baz/one'), true],
      [nr('verb1', '/notfoo'), false], [nr('verb1', '/notfoo/bar'), false], [nr('verb1', '/notfoo/baz'), false], [nr('verb1', '/notfoo/bar/one'), false], [nr('verb1', '/notfoo/baz/one'), false],
    ]],
    ['star verb, exact nonresource', rule(['*'], { nonResourceURLs: ['/foo', '/foo/bar/one'] }), [
      [nr('verb1', '/foo'), true], [nr('verb1', '/foo/bar'), false], [nr('verb1', '/foo/baz'), false], [nr('verb1', '/foo/bar/one'), true], [nr('verb1', '/foo/baz/one'), false],
      [nr('verb2', '/foo'), true], [nr('verb2', '/foo/bar'), false], [nr('verb2', '/foo/baz'), false], [nr('verb2', '/foo/bar/one'), true], [nr('verb2', '/foo/baz/one'), false],
    ]],
    // Beyond rbac_test.go, from evaluation_helpers.go: "*/subresource", resourceNames.
    ['star subresource', rule(['get'], { apiGroups: [''], resources: ['*/log'] }), [
      [rr('get', '', 'pods', 'log'), true], [rr('get', '', 'nodes', 'log'), true], [rr('get', '', 'pods', 'logs'), false], [rr('get', '', 'pods', 'xlog'), false], [rr('get', '', 'pods'), false], [rr('get', '', 'log'), false],
    ]],
    ['resource names', rule(['get', 'list'], { apiGroups: [''], resources: ['pods'], resourceNames: ['kiada'] }), [
      [rr('get', '', 'pods', '', 'kiada'), true], [rr('get', '', 'pods', '', 'other'), false], [rr('list', '', 'pods'), false], [rr('list', '', 'pods', '', 'kiada'), true],
    ]],
  ];
  it.each(cases)('%s', (_name, r, expectations) => {
    for (const [a, want] of expectations) expect([a, ruleAllows(a, r)]).toEqual([a, want]);
  });
});

describe('TestSubjectLocator (subject_locator_test.go)', () => {
  const G = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });
  const U = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
  const without = ({ user: _u, ...rest }: Attributes) => rest;
  it('no super user, star matches star', () => {
    const p = policy({
      clusterRoles: [newClusterRole('admin', newRule('*', '*', '*', '*'))],
      clusterRoleBindings: [newClusterRoleBinding('admin', 'User:super-admin', 'Group:super-admins')],
      roleBindings: [newRoleBinding('ns1', 'admin', CLUSTER_ROLE, 'User:admin', 'Group:admins')],
    });
    expect(allowedSubjects(p, without(attrs('', '', 'get', 'Pods', '', 'ns1', ''))).subjects).toEqual([G('system:masters'), U('super-admin'), G('super-admins'), U('admin'), G('admins')]);
    // cluster role matches star in namespace
    expect(allowedSubjects(p, without(attrs('', '', '*', 'Pods', '', '*', ''))).subjects).toEqual([G('system:masters'), U('super-admin'), G('super-admins')]);
    // empty ns
    expect(allowedSubjects(p, without(attrs('', '', '*', 'Pods', '', '', ''))).subjects).toEqual([G('system:masters'), U('super-admin'), G('super-admins')]);
  });
  it('super user, local roles work', () => {
    const p = policy({
      clusterRoles: [newClusterRole('admin', newRule('*', '*', '*', '*'))],
      clusterRoleBindings: [newClusterRoleBinding('admin', 'User:super-admin', 'Group:super-admins')],
      roles: [newRole('admin', 'ns1', newRule('get', '*', 'Pods', '*'))],
      roleBindings: [newRoleBinding('ns1', 'admin', ROLE, 'User:admin', 'Group:admins')],
    });
    expect(allowedSubjects(p, without(attrs('', '', 'get', 'Pods', '', 'ns1', '')), 'foo').subjects).toEqual([G('system:masters'), U('foo'), U('super-admin'), G('super-admins'), U('admin'), G('admins')]);
    // verb matches correctly
    expect(allowedSubjects(p, without(attrs('', '', 'create', 'Pods', '', 'ns1', '')), 'foo').subjects).toEqual([G('system:masters'), U('foo'), U('super-admin'), G('super-admins')]);
    // binding only works in correct ns
    expect(allowedSubjects(p, without(attrs('', '', 'get', 'Pods', '', 'ns2', '')), 'foo').subjects).toEqual([G('system:masters'), U('foo'), U('super-admin'), G('super-admins')]);
  });
});

describe('resolution: subjects, missing roles, reasons', () => {
  const podReader = newRole('reader', 'ns1', { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] });
  const list = (user: Attributes['user'], namespace: string): Attributes => ({ user, verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', namespace });

  it('a ServiceAccount subject without a namespace is one of the binding\'s namespace', () => {
    const p = policy({ roles: [podReader], roleBindings: [{ metadata: { name: 'rb', namespace: 'ns1' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }] });
    expect(authorizeRBAC(p, list(serviceAccountUser('ns1', 'sa'), 'ns1'))).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "rb/ns1" of Role "reader" to ServiceAccount "sa/ns1"' });
    expect(authorizeRBAC(p, list(serviceAccountUser('ns2', 'sa'), 'ns1')).allowed).toBe(false);
    // The same account's name as a User subject is not the account (the username is system:serviceaccount:…).
    expect(authorizeRBAC(p, list({ name: 'sa', groups: [] }, 'ns1')).allowed).toBe(false);
  });

  it('a ClusterRoleBinding ServiceAccount subject needs its namespace', () => {
    const crb = (subject: Subject): ClusterRoleBinding => ({ metadata: { name: 'crb' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [subject] });
    const base = defaultPolicy();
    const noNs = { ...base, clusterRoleBindings: [...base.clusterRoleBindings, crb({ kind: 'ServiceAccount', name: 'sa' })] };
    expect(authorizeRBAC(noNs, list(serviceAccountUser('ns1', 'sa'), 'ns1')).allowed).toBe(false);
    const withNs = { ...base, clusterRoleBindings: [...base.clusterRoleBindings, crb({ kind: 'ServiceAccount', name: 'sa', namespace: 'ns1' })] };
    expect(authorizeRBAC(withNs, list(serviceAccountUser('ns1', 'sa'), 'ns9'))).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "view" to ServiceAccount "sa/ns1"' });
  });

  it('service-account groups grant to every account, or to those of one namespace', () => {
    const p = policy({ roles: [podReader], roleBindings: [newRoleBinding('ns1', 'reader', ROLE, 'Group:system:serviceaccounts:ns2')] });
    expect(authorizeRBAC(p, list(serviceAccountUser('ns2', 'anyone'), 'ns1')).reason).toBe('RBAC: allowed by RoleBinding "/ns1" of Role "reader" to Group "system:serviceaccounts:ns2"');
    expect(authorizeRBAC(p, list(serviceAccountUser('ns1', 'anyone'), 'ns1')).allowed).toBe(false);
  });

  it('a binding to a missing role denies with kube-apiserver\'s reason; other bindings still count', () => {
    const p = policy({
      roles: [podReader],
      roleBindings: [
        newRoleBinding('ns1', 'gone', ROLE, 'User:ana'),
        newRoleBinding('ns1', 'gone-too', CLUSTER_ROLE, 'User:ana'),
        newRoleBinding('ns1', 'gone', ROLE, 'User:ana'),
        { metadata: { name: 'odd', namespace: 'ns1' }, roleRef: { apiGroup: RBAC, kind: 'Thing', name: 'x' }, subjects: subjects(['User:ana']) },
      ],
    });
    const ana = { name: 'ana', groups: ['system:authenticated'] };
    expect(authorizeRBAC(p, list(ana, 'ns1'))).toEqual({
      allowed: false,
      reason: 'RBAC: [role.rbac.authorization.k8s.io "gone" not found, clusterrole.rbac.authorization.k8s.io "gone-too" not found, unsupported role reference kind: "Thing"]',
    });
    expect(authorizeRBAC(policy({ roleBindings: [newRoleBinding('ns1', 'gone', ROLE, 'User:ana')] }), list(ana, 'ns1')).reason).toBe('RBAC: role.rbac.authorization.k8s.io "gone" not found');
    const fixed = { ...p, roleBindings: [...p.roleBindings, newRoleBinding('ns1', 'reader', ROLE, 'User:ana')] };
    expect(authorizeRBAC(fixed, list(ana, 'ns1')).allowed).toBe(true);
    expect(rulesFor(fixed, ana, 'ns1')).toEqual({ rules: podReader.rules, errors: ['role.rbac.authorization.k8s.io "gone" not found', 'clusterrole.rbac.authorization.k8s.io "gone-too" not found', 'role.rbac.authorization.k8s.io "gone" not found', 'unsupported role reference kind: "Thing"'] });
  });

  it('a Role binds only in its own namespace; cluster-scoped requests see no RoleBindings', () => {
    const p = policy({ roles: [podReader], roleBindings: [newRoleBinding('ns1', 'reader', ROLE, 'User:ana')] });
    const ana = { name: 'ana', groups: [] };
    expect(authorizeRBAC(p, list(ana, 'ns1')).allowed).toBe(true);
    expect(authorizeRBAC(p, list(ana, 'ns2')).allowed).toBe(false);
    expect(authorizeRBAC(p, list(ana, '')).allowed).toBe(false);
    // A RoleBinding in ns2 naming ns1's Role finds no Role "reader" in ns2.
    const cross = policy({ roles: [podReader], roleBindings: [newRoleBinding('ns2', 'reader', ROLE, 'User:ana')] });
    expect(authorizeRBAC(cross, list(ana, 'ns2'))).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "reader" not found' });
  });

  it('system:masters may do anything, before RBAC, with no reason', () => {
    const p = policy({});
    const admin = withAuthenticated({ name: 'kubernetes-admin', groups: ['system:masters'] });
    expect(authorize(p, list(admin, 'x'))).toEqual({ allowed: true, reason: '' });
    expect(authorize(p, { user: admin, verb: 'delete', resourceRequest: false, path: '/anything' })).toEqual({ allowed: true, reason: '' });
    expect(authorize(p, list({ name: 'kubernetes-admin', groups: [] }, 'x')).allowed).toBe(false);
  });
});

describe('users', () => {
  it('a service account is system:serviceaccount:<ns>:<name> with its groups and system:authenticated', () => {
    expect(serviceAccountUser('student1', 'student', 'u-1')).toEqual({ name: 'system:serviceaccount:student1:student', uid: 'u-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:student1', 'system:authenticated'] });
    expect(splitServiceAccountUsername('system:serviceaccount:student1:student')).toEqual({ namespace: 'student1', name: 'student' });
    for (const bad of ['system:serviceaccount:a', 'system:serviceaccount:a:b:c', 'system:serviceaccount::b', 'ana']) expect(splitServiceAccountUsername(bad)).toBeNull();
  });
  it('system:authenticated is added once, never to the anonymous user', () => {
    expect(withAuthenticated({ name: 'ana', groups: ['g'] }).groups).toEqual(['g', 'system:authenticated']);
    expect(withAuthenticated({ name: 'ana', groups: ['system:authenticated'] }).groups).toEqual(['system:authenticated']);
    expect(withAuthenticated(ANONYMOUS)).toEqual(ANONYMOUS);
  });
});

describe('aggregation and the bootstrap policy', () => {
  it('label selectors as metav1.LabelSelectorAsSelector reads them', () => {
    expect(labelSelectorMatches({}, {})).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { a: 'b' } }, { a: 'b', c: 'd' })).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { a: 'b' } }, { a: 'c' })).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 'y'] }] }, { a: 'y' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }] }, {})).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }] }, { a: 'x' })).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' })).toBe(false);
  });

  it('view ⊂ edit ⊂ admin, filled in as the aggregation controller does (sorted by role name, each rule once)', () => {
    const roles = defaultPolicy().clusterRoles;
    const rules = (name: string) => roles.find((r) => r.metadata.name === name)!.rules!;
    const src = bootstrapPolicy().clusterRoles;
    const own = (name: string) => src.find((r) => r.metadata.name === name)!.rules!;
    expect(rules('view')).toEqual(own('system:aggregate-to-view'));
    // edit selects system:aggregate-to-edit and view (sorted: "system:…" < "view").
    expect(rules('edit')).toEqual([...own('system:aggregate-to-edit'), ...own('system:aggregate-to-view')]);
    // admin selects edit, system:aggregate-to-admin (in that order); edit's rules are already there.
    expect(rules('admin')).toEqual([...rules('edit'), ...own('system:aggregate-to-admin')]);
    expect(rules('cluster-admin')).toEqual(own('cluster-admin'));
  });

  it('a ClusterRole labelled aggregate-to-view reaches view, edit and admin', () => {
    const { clusterRoles } = bootstrapPolicy();
    const crontabs: ClusterRole = { metadata: { name: 'aggregate-cron-tabs-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['get'], apiGroups: ['stable.example.com'], resources: ['crontabs'] }] };
    const out = aggregateClusterRoles([...clusterRoles, crontabs]);
    for (const name of ['view', 'edit', 'admin']) expect([name, out.find((r) => r.metadata.name === name)!.rules]).toContainEqual(expect.arrayContaining([crontabs.rules![0]]));
    // Aggregated roles that select each other swap rules for ever under the controller (an aggregated role's own rules
    // are replaced); here the passes are bounded, so it ends.
    const a: ClusterRole = { metadata: { name: 'a', labels: { x: 'a' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'b' } }] }, rules: [{ verbs: ['get'], resources: ['a'] }] };
    const b: ClusterRole = { metadata: { name: 'b', labels: { x: 'b' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'a' } }] }, rules: [{ verbs: ['get'], resources: ['b'] }] };
    expect(aggregateClusterRoles([a, b]).map((r) => r.rules!.length)).toEqual([1, 1]);
  });

  const student = (ns: string) => withAuthenticated(serviceAccountUser(ns, 'student'));
  const base = defaultPolicy();
  const bind = (role: string, ns: string): Policy => ({ ...base, roleBindings: [{ metadata: { name: 'b', namespace: ns }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: ns }] }] });
  const can = (p: Policy, ns: string, verb: string, resource: string, subresource = '', apiGroup = '') =>
    authorize(p, { user: student('s1'), verb, resourceRequest: true, apiGroup, resource, subresource, namespace: ns }).allowed;

  it.each([
    // [role, verb, resource, subresource, group, allowed]
    ['view', 'list', 'pods', '', '', true],
    ['view', 'get', 'pods', 'log', '', true],
    ['view', 'get', 'secrets', '', '', false],
    ['view', 'create', 'pods', 'exec', '', false],
    ['view', 'get', 'pods', 'exec', '', false],
    ['view', 'list', 'deployments', '', 'apps', true],
    ['view', 'list', 'roles', '', RBAC, false],
    ['edit', 'create', 'pods', 'exec', '', true],
    ['edit', 'get', 'pods', 'exec', '', true],
    ['edit', 'create', 'pods', 'portforward', '', true],
    ['edit', 'get', 'secrets', '', '', true],
    ['edit', 'create', 'serviceaccounts', 'token', '', true],
    ['edit', 'create', 'rolebindings', '', RBAC, false],
    ['edit', 'update', 'resourcequotas', '', '', false],
    ['admin', 'create', 'rolebindings', '', RBAC, true],
    ['admin', 'create', 'localsubjectaccessreviews', '', 'authorization.k8s.io', true],
    ['admin', 'update', 'resourcequotas', '', '', false],
  ])('%s: %s %s/%s (%s) → %s', (role, verb, resource, sub, group, allowed) => {
    expect(can(bind(role, 's1'), 's1', verb, resource, sub, group)).toBe(allowed);
    // Bound in s1, nothing in s2.
    expect(can(bind(role, 's1'), 's2', verb, resource, sub, group)).toBe(false);
  });

  it('every authenticated user may discover the API and review itself; nobody else anything', () => {
    const nr = (path: string) => authorize(base, { user: student('s1'), verb: 'get', resourceRequest: false, path }).allowed;
    expect(['/api', '/api/v1', '/apis', '/apis/apps/v1', '/version', '/openapi/v3', '/healthz', '/openid/v1/jwks'].map(nr)).toEqual([true, true, true, true, true, true, true, true]);
    expect(['/metrics', '/logs', '/debug/pprof'].map(nr)).toEqual([false, false, false]);
    const ssar = (u: Attributes['user']) => authorize(base, { user: u, verb: 'create', resourceRequest: true, apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }).allowed;
    expect(ssar(student('s1'))).toBe(true);
    expect(ssar(ANONYMOUS)).toBe(false);
    expect(authorize(base, { user: ANONYMOUS, verb: 'get', resourceRequest: false, path: '/version' }).allowed).toBe(true);
    expect(authorize(base, { user: ANONYMOUS, verb: 'get', resourceRequest: false, path: '/api' }).allowed).toBe(false);
  });
});
