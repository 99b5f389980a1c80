// What keeps the lab's accounts and RBAC objects as a cluster keeps them: kube-apiserver's start-up hook that
// creates the default ClusterRoles and ClusterRoleBindings (auth/bootstrap-policy), kube-controller-manager's
// clusterrole-aggregation controller (admin/edit/view take the rules of the roles their selectors pick, written
// back into the objects) and its serviceaccounts controller (a `default` ServiceAccount in every active namespace,
// made again if deleted). The controllers act after the change that wakes them, as separate writes, so every
// watcher sees the change first and the controller's write after it.
import { apiVersionOf, type Obj, type Store } from '../store/index.ts';
import { bootstrapPolicy } from '../auth/bootstrap-policy.ts';
import { aggregateClusterRoles } from '../auth/aggregation.ts';
import type { ClusterRole } from '../auth/rbac.ts';
import { isTerminating } from './namespaces.ts';

/** Creates whichever default ClusterRoles and ClusterRoleBindings are missing (aggregated roles filled in). */
export function seedBootstrapPolicy(store: Store, extra: { clusterRoles?: Obj[]; clusterRoleBindings?: Obj[] } = {}, cacheDir?: string): void {
  const p = bootstrapPolicy(cacheDir);
  const roles = aggregateClusterRoles([...p.clusterRoles, ...((extra.clusterRoles ?? []) as ClusterRole[])]);
  for (const r of roles) if (!store.get('clusterroles', undefined, r.metadata.name)) store.create('clusterroles', r);
  for (const b of [...p.clusterRoleBindings, ...(extra.clusterRoleBindings ?? [])]) {
    if (!store.get('clusterrolebindings', undefined, b.metadata.name)) store.create('clusterrolebindings', b);
  }
}

/** Runs `fn` once after the current change (and the others of the same tick), not inside the store's emit. */
function coalesced(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      fn();
    });
  };
}

/** Writes the aggregated rules into every aggregated ClusterRole whose rules are not what its selectors give. */
export function aggregateStoredRoles(store: Store): void {
  const current = store.list('clusterroles') as ClusterRole[];
  const next = aggregateClusterRoles(current);
  next.forEach((role, i) => {
    if (role === current[i]) return;
    store.mutate('clusterroles', undefined, role.metadata.name, (r) => {
      r.rules = role.rules;
    });
  });
}

export function runClusterRoleAggregation(store: Store): () => void {
  return store.onChange('clusterroles', coalesced(() => aggregateStoredRoles(store)));
}

const DEFAULT_ACCOUNT = 'default';

function ensureDefaultAccount(store: Store, namespace: string): void {
  const ns = store.get('namespaces', undefined, namespace);
  if (!ns || isTerminating(ns) || store.get('serviceaccounts', namespace, DEFAULT_ACCOUNT)) return;
  store.create('serviceaccounts', { apiVersion: apiVersionOf('serviceaccounts'), kind: 'ServiceAccount', metadata: { name: DEFAULT_ACCOUNT, namespace } });
}

export function runServiceAccountController(store: Store): () => void {
  const pending = new Set<string>();
  const flush = coalesced(() => {
    for (const ns of pending) ensureDefaultAccount(store, ns);
    pending.clear();
  });
  const wake = (ns: string) => {
    pending.add(ns);
    flush();
  };
  for (const ns of store.list('namespaces')) ensureDefaultAccount(store, ns.metadata.name);
  const stops = [
    store.onChange('namespaces', (e) => e.type === 'ADDED' && wake(e.object.metadata.name)),
    store.onChange('serviceaccounts', (e) => e.type === 'DELETED' && e.object.metadata.name === DEFAULT_ACCOUNT && wake(e.object.metadata.namespace)),
  ];
  return () => stops.forEach((s) => s());
}
