// coordination.k8s.io/v1 node Leases, read-only: the kubelet's heartbeat that `kubectl describe node` shows
// (HolderIdentity, RenewTime). The lab's kubelets are always alive, so each lease is renewed "now", as a real
// kubelet renews it every 10 s. Derived from the Node objects, never stored.
import { createHash } from 'node:crypto';
import { ApiError, type Obj, type Store } from '../store/index.ts';
import { since } from './age.ts';

export const GROUP_VERSION = 'coordination.k8s.io/v1';
const NS = 'kube-node-lease';

export const leaseGroup = {
  name: 'coordination.k8s.io',
  versions: [{ groupVersion: GROUP_VERSION, version: 'v1' }],
  preferredVersion: { groupVersion: GROUP_VERSION, version: 'v1' },
};

export const leaseResourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: GROUP_VERSION,
  resources: [{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: ['get', 'list'] }],
};

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function leaseOf(node: Obj, now: number): Obj {
  const name = node.metadata.name;
  return {
    apiVersion: GROUP_VERSION,
    kind: 'Lease',
    metadata: {
      name,
      namespace: NS,
      uid: createHash('sha1').update(`lease/${node.metadata.uid}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
      resourceVersion: node.metadata.resourceVersion,
      creationTimestamp: node.metadata.creationTimestamp,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(now) },
  };
}

/** GET …/leases, …/namespaces/kube-node-lease/leases[/NAME]; plain objects or a Table (NAME, HOLDER, AGE). */
export function serveLeases(store: Store, path: string, method: string, table: boolean): Obj | null {
  const m = /^\/apis\/coordination\.k8s\.io\/v1(?:\/namespaces\/([^/]+))?\/leases(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return null;
  if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const [, namespace, name] = m;
  const now = Date.now();
  const leases = namespace && namespace !== NS ? [] : store.list('nodes').map((n) => leaseOf(n, now));
  const rv = store.resourceVersion;
  const pick = name ? leases.find((l) => l.metadata.name === name) : undefined;
  if (name && !pick) throw new ApiError(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, { name, group: 'coordination.k8s.io', kind: 'leases' });
  const items = pick ? [pick] : leases;
  if (table) {
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: rv },
      columnDefinitions: [
        { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
        { name: 'Holder', type: 'string', format: '', description: 'holderIdentity contains the identity of the holder of a current lease.', priority: 0 },
        { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
      ],
      rows: items.map((l) => ({
        cells: [l.metadata.name, l.spec.holderIdentity, since(l.metadata.creationTimestamp, now)],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: l.metadata },
      })),
    };
  }
  return pick ?? { kind: 'LeaseList', apiVersion: GROUP_VERSION, metadata: { resourceVersion: rv }, items };
}
