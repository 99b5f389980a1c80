// Discovery of what a multi-user cluster adds: the RBAC objects (rbac.authorization.k8s.io/v1), the review APIs of
// authentication.k8s.io/v1 (kubectl auth whoami, TokenReview) and authorization.k8s.io/v1 (kubectl auth can-i),
// as kube-apiserver 1.32 lists them.
const rw = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const group = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});
const resourceList = (groupVersion: string, resources: object[]) => ({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources });
const createOnly = (name: string, kind: string, namespaced = false) => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ['create'] });

export const ACCESS_GROUPS = [group('authentication.k8s.io'), group('authorization.k8s.io'), group('rbac.authorization.k8s.io')];

export const ACCESS_RESOURCE_LISTS: Record<string, object> = {
  'rbac.authorization.k8s.io/v1': resourceList('rbac.authorization.k8s.io/v1', [
    { name: 'clusterrolebindings', singularName: 'clusterrolebinding', namespaced: false, kind: 'ClusterRoleBinding', verbs: rw },
    { name: 'clusterroles', singularName: 'clusterrole', namespaced: false, kind: 'ClusterRole', verbs: rw },
    { name: 'rolebindings', singularName: 'rolebinding', namespaced: true, kind: 'RoleBinding', verbs: rw },
    { name: 'roles', singularName: 'role', namespaced: true, kind: 'Role', verbs: rw },
  ]),
  'authentication.k8s.io/v1': resourceList('authentication.k8s.io/v1', [
    createOnly('selfsubjectreviews', 'SelfSubjectReview'),
    createOnly('tokenreviews', 'TokenReview'),
  ]),
  'authorization.k8s.io/v1': resourceList('authorization.k8s.io/v1', [
    createOnly('localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
    createOnly('selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
    createOnly('selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
    createOnly('subjectaccessreviews', 'SubjectAccessReview'),
  ]),
};

/** The core/v1 resources of accounts and quotas, merged into /api/v1's list by name. */
export const ACCESS_CORE_RESOURCES = [
  { name: 'limitranges', singularName: 'limitrange', namespaced: true, kind: 'LimitRange', verbs: rw, shortNames: ['limits'] },
  { name: 'resourcequotas', singularName: 'resourcequota', namespaced: true, kind: 'ResourceQuota', verbs: rw, shortNames: ['quota'] },
  { name: 'resourcequotas/status', singularName: '', namespaced: true, kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] },
  { name: 'serviceaccounts', singularName: 'serviceaccount', namespaced: true, kind: 'ServiceAccount', verbs: rw, shortNames: ['sa'] },
  { name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] },
];
