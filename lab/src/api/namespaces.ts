// A namespace's end, as kube-apiserver and the namespace controller make it: DELETE marks it Terminating (its
// finalizer stays), its pods are deleted (gracefully when they run) and everything else in it at once; nothing new may be
// created in it (NamespaceLifecycle: 403); once its last pod is gone, the namespace itself goes.
import { ApiError, KINDS, RESOURCES, conflict, type Obj, type Store } from '../store/index.ts';
import { metaTime } from '../time.ts';

export const isTerminating = (ns: Obj | undefined) => !!ns?.metadata.deletionTimestamp;

/** NamespaceLifecycle's answer to a create in a namespace being deleted. */
export function terminatingNamespace(resource: string, name: string | undefined, namespace: string): ApiError {
  const why = `unable to create new content in namespace ${namespace} because it is being terminated`;
  return new ApiError(403, 'Forbidden', name ? `${resource} ${JSON.stringify(name)} is forbidden: ${why}` : `${resource} is forbidden: ${why}`, {
    ...(name ? { name } : {}),
    kind: resource,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
  });
}

/** Marks the namespace Terminating (a second DELETE is the 409 of a real server) and returns it so. */
export function markTerminating(store: Store, ns: Obj): Obj {
  const name = ns.metadata.name;
  if (isTerminating(ns)) {
    throw conflict('namespaces', name, 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.');
  }
  return store.mutate('namespaces', undefined, name, (n) => {
    n.metadata.deletionTimestamp = metaTime();
    n.metadata.deletionGracePeriodSeconds = 0;
    n.status = { ...n.status, phase: 'Terminating' };
  })!;
}

/**
 * Deletes what the namespace holds besides its pods (which stop gracefully): events, service accounts (their
 * tokens stop working at once), roles and bindings, quotas, limit ranges.
 */
export function deleteContent(store: Store, name: string): void {
  for (const r of RESOURCES) {
    if (!KINDS[r].namespaced || r === 'pods') continue;
    for (const o of store.list(r, name)) store.delete(r, name, o.metadata.name);
  }
}

/** Removes a Terminating namespace once no pod is left in it (what the kubelet added meanwhile goes with it). */
export function finalize(store: Store, name: string): void {
  if (!isTerminating(store.get('namespaces', undefined, name))) return;
  if (store.list('pods', name).length) return;
  deleteContent(store, name);
  store.delete('namespaces', undefined, name);
}

/** The namespace controller's part: each pod that goes may be the last one of a Terminating namespace. */
export function runNamespaceController(store: Store): () => void {
  return store.onChange('pods', (e) => {
    if (e.type === 'DELETED') finalize(store, e.object.metadata.namespace);
  });
}
