// The request attributes of a URL (the cases of k8s.io/apiserver requestinfo_test.go) and the 403 kube-apiserver
// words from them (responsewriters/errors.go + apierrors.NewForbidden), checked against messages real clusters
// print; Go's %q and fmt.Errorf as those messages go through them.
import { describe, it, expect } from 'vitest';
import { requestInfo, attributesFor, connectCreateCheck } from '../../src/auth/request-info.ts';
import { forbiddenMessage, forbiddenStatus } from '../../src/auth/forbidden.ts';
import { goQuote, goErrorf, aggregate } from '../../src/auth/go-format.ts';
import { authorize, type Policy } from '../../src/auth/rbac.ts';
import { defaultPolicy } from '../../src/auth/bootstrap-policy.ts';
import { serviceAccountUser, ANONYMOUS, type UserInfo } from '../../src/auth/users.ts';

describe('requestInfo (TestGetAPIRequestInfo)', () => {
  // [method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts]
  const success: [string, string, string, string, string, string, string, string, string, string, string[]][] = [
    // resource paths
    ['GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    ['GET', '/api/v1/namespaces/other', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', ['namespaces', 'other']],
    ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['HEAD', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['HEAD', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    // Upstream's table expects namespace "" here, which its own code does not produce (the namespace of
    // /namespaces/<x> is x, as `kubectl get ns kube-system` as a restricted user shows: `in the namespace
    // "kube-system"`); the code is what runs, so the code's answer is expected.
    ['PATCH', '/api/v1/namespaces/new-namespace', 'patch', 'api', '', 'v1', 'new-namespace', 'namespaces', '', 'new-namespace', ['namespaces', 'new-namespace']],
    // special verbs
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo', 'subpath', 'not', 'a', 'subresource']],
    ['GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/pods?watch=true', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/pods?watch=false', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/watch/namespaces/other/pods', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=1', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=0', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    // subresource identification
    ['GET', '/api/v1/namespaces/other/pods/foo/status', 'get', 'api', '', 'v1', 'other', 'pods', 'status', 'foo', ['pods', 'foo', 'status']],
    ['GET', '/api/v1/namespaces/other/pods/foo/proxy/subpath', 'get', 'api', '', 'v1', 'other', 'pods', 'proxy', 'foo', ['pods', 'foo', 'proxy', 'subpath']],
    ['PUT', '/api/v1/namespaces/other/finalize', 'update', 'api', '', 'v1', 'other', 'namespaces', 'finalize', 'other', ['namespaces', 'other', 'finalize']],
    ['PUT', '/api/v1/namespaces/other/status', 'update', 'api', '', 'v1', 'other', 'namespaces', 'status', 'other', ['namespaces', 'other', 'status']],
    // verb identification
    ['PATCH', '/api/v1/namespaces/other/pods/foo', 'patch', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['DELETE', '/api/v1/namespaces/other/pods/foo', 'delete', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    // deletecollection verb identification
    ['DELETE', '/api/v1/nodes', 'deletecollection', 'api', '', 'v1', '', 'nodes', '', '', ['nodes']],
    ['DELETE', '/api/v1/namespaces', 'deletecollection', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    ['DELETE', '/api/v1/namespaces/other/pods', 'deletecollection', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['DELETE', '/apis/extensions/v1/namespaces/other/pods', 'deletecollection', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
    // api group identification
    ['POST', '/apis/extensions/v1/namespaces/other/pods', 'create', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
    // api version identification
    ['POST', '/apis/extensions/v1beta3/namespaces/other/pods', 'create', 'apis', 'extensions', 'v1beta3', 'other', 'pods', '', '', ['pods']],
    // The chapter's requests (kubectl 1.32): logs, exec and port-forward by SPDY (POST) and WebSocket (GET), -w.
    ['GET', '/api/v1/namespaces/s2/pods/kiada/log?container=kiada&follow=true', 'get', 'api', '', 'v1', 's2', 'pods', 'log', 'kiada', ['pods', 'kiada', 'log']],
    ['POST', '/api/v1/namespaces/s2/pods/kiada/exec?command=sh&stdin=true', 'create', 'api', '', 'v1', 's2', 'pods', 'exec', 'kiada', ['pods', 'kiada', 'exec']],
    ['GET', '/api/v1/namespaces/s2/pods/kiada/exec?command=sh&stdin=true', 'get', 'api', '', 'v1', 's2', 'pods', 'exec', 'kiada', ['pods', 'kiada', 'exec']],
    ['POST', '/api/v1/namespaces/s2/pods/kiada/portforward', 'create', 'api', '', 'v1', 's2', 'pods', 'portforward', 'kiada', ['pods', 'kiada', 'portforward']],
    ['GET', '/api/v1/namespaces/s2/pods/kiada/attach?stdout=1', 'get', 'api', '', 'v1', 's2', 'pods', 'attach', 'kiada', ['pods', 'kiada', 'attach']],
    ['GET', '/api/v1/namespaces/s2/pods?fieldSelector=metadata.name%3Dkiada&watch=true', 'watch', 'api', '', 'v1', 's2', 'pods', '', 'kiada', ['pods']],
    ['POST', '/api/v1/namespaces/s1/serviceaccounts/student/token', 'create', 'api', '', 'v1', 's1', 'serviceaccounts', 'token', 'student', ['serviceaccounts', 'student', 'token']],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'create', 'apis', 'authorization.k8s.io', 'v1', '', 'selfsubjectaccessreviews', '', '', ['selfsubjectaccessreviews']],
  ];
  it.each(success)('%s %s', (method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts) => {
    expect(requestInfo(method, url)).toEqual({ isResourceRequest: true, path: url.split('?')[0].replace('%3D', '='), verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts });
  });

  it.each(['/', '/api/version/', '/apis/group/version/', '/badprefix/version/resource', '/apis/version/resource'])('%s is not a resource request', (url) => {
    expect(requestInfo('GET', url).isResourceRequest).toBe(false);
  });

  it.each([
    // TestGetNonAPIRequestInfo
    ['/api/version/resource', true], ['/apis/group/version/resource/name/subresource', true], ['/api/version/resource/name/subresource', true],
    ['/apis/batch/v1/job', true], ['/apis/batch/v1/job/foo', true], ['/apis/batch/v1/job/foo/scale', true],
    ['/not-api/version/resource', false], ['/apis/extensions/v1beta1', false], ['/apis/extensions/v1beta1/', false], ['/api/version', false], ['/api', false], ['/', false], ['', false],
  ] as const)('%s resource request: %s', (url, expected) => {
    expect(requestInfo('GET', url).isResourceRequest).toBe(expected);
  });

  it('a non-resource request keeps its path and the lower-case method', () => {
    expect(requestInfo('GET', '/healthz?verbose')).toMatchObject({ isResourceRequest: false, path: '/healthz', verb: 'get' });
    expect(requestInfo('POST', '/apis')).toMatchObject({ isResourceRequest: false, path: '/apis', verb: 'post' });
  });

  it.each([
    // TestFieldSelectorParsing
    ['/apis/group/version/resource', '', 'list'],
    ['/apis/group/version/resource?fieldSelector=metadata.name=name1', 'name1', 'list'],
    ['/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1', 'name1', 'watch'],
    ['/apis/group/version/resource?fieldSelector=foo=bar', '', 'list'],
    ['/apis/group/version/resource?fieldSelector=metadata.name=name1,foo', '', 'list'],
    ['/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true', '', 'watch'],
    ['/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false', '', 'list'],
    // not a valid path segment: no name
    ['/apis/group/version/resource?fieldSelector=metadata.name=..', '', 'list'],
    ['/apis/group/version/resource?fieldSelector=metadata.name!=x', '', 'list'],
  ])('%s → name %j, verb %s', (url, name, verb) => {
    expect(requestInfo('GET', url)).toMatchObject({ name, verb });
  });

  it('Kubernetes 1.35\'s extra create check applies to WebSocket GETs of exec, attach and portforward only', () => {
    const user: UserInfo = { name: 'u', groups: [] };
    const a = (m: string, url: string) => attributesFor(user, requestInfo(m, url));
    expect(connectCreateCheck(a('GET', '/api/v1/namespaces/s/pods/p/exec?command=ls'))).toMatchObject({ verb: 'create', resource: 'pods', subresource: 'exec', name: 'p' });
    expect(connectCreateCheck(a('GET', '/api/v1/namespaces/s/pods/p/portforward'))).toMatchObject({ verb: 'create', subresource: 'portforward' });
    expect(connectCreateCheck(a('POST', '/api/v1/namespaces/s/pods/p/exec'))).toBeNull();
    expect(connectCreateCheck(a('GET', '/api/v1/namespaces/s/pods/p/log'))).toBeNull();
  });
});

describe('the Forbidden message and Status', () => {
  const s1 = serviceAccountUser('student1', 'student');
  const status = (user: UserInfo, method: string, url: string, reason = '') => forbiddenStatus(attributesFor(user, requestInfo(method, url)), reason);

  it('the issue\'s own example: a student listing pods in another student\'s namespace', () => {
    expect(status(s1, 'GET', '/api/v1/namespaces/student2/pods?limit=500')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "system:serviceaccount:student1:student" cannot list resource "pods" in API group "" in the namespace "student2"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });

  it.each([
    ['GET', '/api/v1/namespaces/student2/pods/kiada/log', 'pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot get resource "pods/log" in API group "" in the namespace "student2"'],
    ['POST', '/api/v1/namespaces/student2/pods/kiada/exec?command=sh', 'pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot create resource "pods/exec" in API group "" in the namespace "student2"'],
    ['GET', '/api/v1/namespaces/student2/pods/kiada/exec?command=sh', 'pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot get resource "pods/exec" in API group "" in the namespace "student2"'],
    ['POST', '/api/v1/namespaces/student2/pods/kiada/portforward', 'pods "kiada" is forbidden: User "system:serviceaccount:student1:student" cannot create resource "pods/portforward" in API group "" in the namespace "student2"'],
    ['GET', '/api/v1/namespaces/student2/pods?watch=true', 'pods is forbidden: User "system:serviceaccount:student1:student" cannot watch resource "pods" in API group "" in the namespace "student2"'],
    ['DELETE', '/api/v1/namespaces/student2/pods', 'pods is forbidden: User "system:serviceaccount:student1:student" cannot deletecollection resource "pods" in API group "" in the namespace "student2"'],
    ['GET', '/api/v1/nodes', 'nodes is forbidden: User "system:serviceaccount:student1:student" cannot list resource "nodes" in API group "" at the cluster scope'],
    ['GET', '/api/v1/pods', 'pods is forbidden: User "system:serviceaccount:student1:student" cannot list resource "pods" in API group "" at the cluster scope'],
    ['GET', '/api/v1/namespaces/kube-system', 'namespaces "kube-system" is forbidden: User "system:serviceaccount:student1:student" cannot get resource "namespaces" in API group "" in the namespace "kube-system"'],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', 'clusterroles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:student1:student" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope'],
    ['POST', '/api/v1/namespaces/challenge5/serviceaccounts/s3access-sa/token', 'serviceaccounts "s3access-sa" is forbidden: User "system:serviceaccount:student1:student" cannot create resource "serviceaccounts/token" in API group "" in the namespace "challenge5"'],
    ['GET', '/metrics', 'forbidden: User "system:serviceaccount:student1:student" cannot get path "/metrics"'],
  ])('%s %s', (method, url, message) => {
    expect(status(s1, method, url).message).toBe(message);
  });

  it('details as apierrors.NewForbidden fills them (group, resource as kind, name; {} for a path)', () => {
    const user = serviceAccountUser('gpu-cost-system', 'gpu-cost-operator-controller-manager');
    // A message an operator's logs show (budgets.cost.example.com, subresource status).
    expect(status(user, 'PUT', '/apis/cost.example.com/v1/namespaces/team-a/budgets/q3/status')).toMatchObject({
      message: 'budgets.cost.example.com "q3" is forbidden: User "system:serviceaccount:gpu-cost-system:gpu-cost-operator-controller-manager" cannot update resource "budgets/status" in API group "cost.example.com" in the namespace "team-a"',
      details: { name: 'q3', group: 'cost.example.com', kind: 'budgets' },
    });
    // kube-apiserver's answer to an anonymous GET of the JWKS path, as printed by curl.
    expect(status(ANONYMOUS, 'GET', '/openid/v1/jwk')).toMatchObject({ message: 'forbidden: User "system:anonymous" cannot get path "/openid/v1/jwk"', details: {} });    // An absolute-form request line: Go's URL.Path is the path alone.
    expect(status(ANONYMOUS, 'GET', 'http://a:99999/api?x=1').message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
    expect(status(ANONYMOUS, 'GET', 'https://h/api/v1/pods').message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope');
  });

  it('the authorizer\'s reason follows after ": "', () => {
    expect(status(s1, 'GET', '/api/v1/namespaces/student1/pods', 'RBAC: role.rbac.authorization.k8s.io "student" not found').message).toBe(
      'pods is forbidden: User "system:serviceaccount:student1:student" cannot list resource "pods" in API group "" in the namespace "student1": RBAC: role.rbac.authorization.k8s.io "student" not found',
    );
  });

  it('HTML is escaped and "%" goes through fmt.Errorf as in Go', () => {
    const odd: UserInfo = { name: '<b>&x</b>', groups: [] };
    expect(forbiddenStatus({ user: odd, verb: 'get', resourceRequest: false, path: '/a%d' }).message).toBe('forbidden: User "&lt;b&gt;&amp;x&lt;/b&gt;" cannot get path "/a%!d(MISSING)"');
  });

  it('end to end: policy → decision → message, for the workshop\'s student', () => {
    const p: Policy = defaultPolicy();
    p.roles.push({ metadata: { name: 'student', namespace: 'student1' }, rules: [{ verbs: ['get', 'list', 'watch', 'create', 'delete'], apiGroups: [''], resources: ['pods'] }] });
    p.roleBindings.push({ metadata: { name: 'student', namespace: 'student1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'student' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: 'student1' }] });
    const ask = (ns: string) => {
      const a = attributesFor(s1, requestInfo('GET', `/api/v1/namespaces/${ns}/pods`));
      const d = authorize(p, a);
      return d.allowed ? d.reason : forbiddenStatus(a, d.reason).message;
    };
    expect(ask('student1')).toBe('RBAC: allowed by RoleBinding "student/student1" of Role "student" to ServiceAccount "student/student1"');
    expect(ask('student2')).toBe('pods is forbidden: User "system:serviceaccount:student1:student" cannot list resource "pods" in API group "" in the namespace "student2"');
    expect(forbiddenMessage(attributesFor(s1, requestInfo('GET', '/api/v1/namespaces/student2/pods')))).toBe('User "system:serviceaccount:student1:student" cannot list resource "pods" in API group "" in the namespace "student2"');
  });
});

describe('Go formatting', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"\\', '"say \\"hi\\"\\\\"'],
    ['tab\tnl\n\x07\x00\x7f', '"tab\\tnl\\n\\a\\x00\\x7f"'],
    ['Grüße 日本', '"Grüße 日本"'],
    ['\u0085\u2028\u{1F600}', '"\\u0085\\u2028😀"'],
    ['\u{E0001}', '"\\U000e0001"'],
  ])('%%q of %j', (s, q) => expect(goQuote(s)).toBe(q));
  it('fmt.Errorf without arguments', () => {
    expect(goErrorf('100%% sure')).toBe('100% sure');
    expect(goErrorf('a %s b %5d c %')).toBe('a %!s(MISSING) b %!d(MISSING) c %!(NOVERB)');
  });
  it('utilerrors aggregate', () => {
    expect(aggregate([])).toBe('');
    expect(aggregate(['a'])).toBe('a');
    expect(aggregate(['a', 'a'])).toBe('a');
    expect(aggregate(['a', 'b', 'a'])).toBe('[a, b]');
  });
});
