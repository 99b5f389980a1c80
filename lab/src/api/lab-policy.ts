// The lab's own addition to the default policy: every authenticated user may use the lab's trace API
// (lab.kiada.dev/v1 traces, served as an aggregated API), which shows each caller only their own requests and the
// app lines of namespaces whose pod logs they may read. Like a default role it is visible (`kubectl get
// clusterrole kiada-lab:traces`) and kube-apiserver's RBAC decides on it.
const RBAC_V1 = 'rbac.authorization.k8s.io/v1';
const NAME = 'kiada-lab:traces';
const labels = { 'app.kubernetes.io/managed-by': 'kiada-lab' };

export const LAB_POLICY = {
  clusterRoles: [{
    apiVersion: RBAC_V1,
    kind: 'ClusterRole',
    metadata: { name: NAME, labels },
    rules: [{ apiGroups: ['lab.kiada.dev'], resources: ['traces'], verbs: ['create', 'get', 'list', 'watch'] }],
  }],
  clusterRoleBindings: [{
    apiVersion: RBAC_V1,
    kind: 'ClusterRoleBinding',
    metadata: { name: NAME, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
  }],
};
