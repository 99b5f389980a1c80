// The resources the lab stores, with what each needs to be named as kube-apiserver names it: its API group and
// version, its kind, and whether it lives in a namespace. Errors say `roles.rbac.authorization.k8s.io "x" not
// found` (the group-qualified resource) and `Role.rbac.authorization.k8s.io "x" is invalid` (the qualified kind).
export type Resource =
  | 'pods' | 'nodes' | 'namespaces' | 'events'
  | 'serviceaccounts' | 'resourcequotas' | 'limitranges'
  | 'roles' | 'rolebindings' | 'clusterroles' | 'clusterrolebindings';

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
}

const core = (kind: string, namespaced: boolean): KindInfo => ({ group: '', version: 'v1', kind, namespaced });
const rbac = (kind: string, namespaced: boolean): KindInfo => ({ group: RBAC_GROUP, version: 'v1', kind, namespaced });
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export const KINDS: Record<Resource, KindInfo> = {
  pods: core('Pod', true),
  nodes: core('Node', false),
  namespaces: core('Namespace', false),
  events: core('Event', true),
  serviceaccounts: core('ServiceAccount', true),
  resourcequotas: core('ResourceQuota', true),
  limitranges: core('LimitRange', true),
  roles: rbac('Role', true),
  rolebindings: rbac('RoleBinding', true),
  clusterroles: rbac('ClusterRole', false),
  clusterrolebindings: rbac('ClusterRoleBinding', false),
};

export const RESOURCES = Object.keys(KINDS) as Resource[];
export const NAMESPACED: Record<Resource, boolean> = Object.fromEntries(RESOURCES.map((r) => [r, KINDS[r].namespaced])) as Record<Resource, boolean>;
export const isResource = (r: string): r is Resource => Object.hasOwn(KINDS, r);

/** `v1` or `rbac.authorization.k8s.io/v1`. */
export const apiVersionOf = (r: Resource) => (KINDS[r].group ? `${KINDS[r].group}/${KINDS[r].version}` : KINDS[r].version);

/** schema.GroupResource.String(): `pods`, `roles.rbac.authorization.k8s.io`. */
export const qualifiedResource = (r: string) => (isResource(r) && KINDS[r].group ? `${r}.${KINDS[r].group}` : r);

/** The resource of a kind the lab stores (`Role` → roles), if any. */
export const resourceOfKind = (kind: string): Resource | undefined => RESOURCES.find((r) => KINDS[r].kind === kind);
