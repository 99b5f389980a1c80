// What each student gets, as objects for any cluster: a namespace of their name, a service account, a Role with
// what chapter 5 needs there and nothing else, its RoleBinding, and a ResourceQuota with a LimitRange so that one
// runaway student cannot eat a workshop of thirty.
import type { V1LimitRange, V1Namespace, V1ResourceQuota, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { DEPLOY_ANNOTATION, EXPIRES_ANNOTATION, MANAGED_BY, STUDENT_ACCOUNT, STUDENT_LABEL } from './students.ts';

export interface StudentObjects {
  namespace: V1Namespace;
  serviceAccount: V1ServiceAccount;
  role: V1Role;
  roleBinding: V1RoleBinding;
  resourceQuota: V1ResourceQuota;
  limitRange: V1LimitRange;
}

/**
 * The Role, rule by rule:
 *   pods get/list/watch/create/delete          deploy kiada, kubectl get/describe, curl-from-pod's client pod
 *   pods/log get                               kubectl logs
 *   pods/exec, attach, portforward create+get  create: kubectl's SPDY (POST) — what the issue asks, and all that
 *                                              Kubernetes ≥ 1.35 checks besides; get: the WebSocket GET of kubectl
 *                                              ≥ 1.30 (without it kubectl falls back to SPDY after a 403) and of
 *                                              client-node (kiada exec/port-forward: no fall-back), up to 1.34
 *   events list/watch                          kubectl describe pod, kubectl get events
 */
export const STUDENT_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
];

/** Per student: up to 10 pods, 1 CPU / 1 GiB requested, 2 CPU / 2 GiB as limits (kiada asks 50m / 64Mi). */
export const QUOTA = { pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' };
/**
 * Defaults for containers that give none (kubectl run's client pod), so that the quota admits them. `_default` is
 * client-node's name for the item's `default` (a reserved word in its generator): its serializer writes only the
 * model's names, so a plain `default` would not reach the cluster, which then takes `max` as the default limit.
 */
export const LIMITS = { _default: { cpu: '200m', memory: '128Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' }, max: { cpu: '1', memory: '512Mi' } };

/** The Pod Security label of a student's namespace, and the level `--allow-host-network` sets there. */
export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io/enforce';
export const HOST_NETWORK_LEVEL = 'privileged';

export function studentObjects(name: string, o: { deploy: boolean; expires: Date; allowHostNetwork?: boolean }): StudentObjects {
  const labels = { [MANAGED_BY.key]: MANAGED_BY.value, [STUDENT_LABEL]: name };
  const meta = (n: string) => ({ name: n, namespace: name, labels });
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        // baseline: no hostNetwork, hostPID, privileged… — a student's pod cannot become the node. (restricted would
        // also refuse the book's `kubectl run --image=curlimages/curl`, which sets no securityContext.) With
        // --allow-host-network, privileged: the only level that admits curl-from-node's hostNetwork pod — and any
        // other pod, privileged ones included (Pod Security has no level in between).
        labels: { ...labels, [POD_SECURITY_LABEL]: o.allowHostNetwork ? HOST_NETWORK_LEVEL : 'baseline' },
        annotations: { [DEPLOY_ANNOTATION]: String(o.deploy), [EXPIRES_ANNOTATION]: o.expires.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      },
    },
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(STUDENT_ACCOUNT) },
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('student'), rules: STUDENT_RULES },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('student'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'student' },
      subjects: [{ kind: 'ServiceAccount', name: STUDENT_ACCOUNT, namespace: name }],
    },
    resourceQuota: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('student'), spec: { hard: QUOTA } },
    limitRange: { apiVersion: 'v1', kind: 'LimitRange', metadata: meta('student'), spec: { limits: [{ type: 'Container', ...LIMITS }] } },
  };
}
