// Kubernetes Events as the kubelet and the scheduler record them (kubectl describe / get events show these).
import type { Obj, Store } from '../store/index.ts';

import { metaTime as now } from '../time.ts';

// Named as the kubelet's recorder names them, <object>.<UnixNano in hex>: lists come sorted by name (etcd key
// order), so a pod's events read in the order they happened, as kubectl describe shows them on a real cluster.
let lastNano = 0n;
function eventName(object: string): string {
  const nano = BigInt(Date.now()) * 1_000_000n;
  lastNano = nano > lastNano ? nano : lastNano + 1n;
  return `${object}.${lastNano.toString(16)}`;
}

export function recordEvent(
  store: Store,
  pod: Obj,
  e: { type?: 'Normal' | 'Warning'; reason: string; message: string; container?: string; component?: string; host?: string },
): void {
  const ns = pod.metadata.namespace;
  // A namespace that is gone takes no events (its last pod's Killing may come after it went).
  if (!store.get('namespaces', undefined, ns)) return;
  const fieldPath = e.container ? `spec.containers{${e.container}}` : undefined;
  // Repeated events (BackOff, Unhealthy) are counted on one object, as the kubelet's event correlator does.
  const same = store
    .list('events', ns, (x) => x.involvedObject?.uid === pod.metadata.uid && x.reason === e.reason && x.message === e.message)
    .at(0);
  if (same) {
    store.mutate('events', ns, same.metadata.name, (x) => {
      x.count = (x.count ?? 1) + 1;
      x.lastTimestamp = now();
    });
    return;
  }
  const t = now();
  const component = e.component ?? 'kubelet';
  store.create('events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(pod.metadata.name), namespace: ns },
    involvedObject: {
      kind: 'Pod',
      namespace: ns,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      apiVersion: 'v1',
      resourceVersion: pod.metadata.resourceVersion,
      ...(fieldPath ? { fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    source: component === 'kubelet' ? { component, host: e.host ?? pod.spec?.nodeName } : { component },
    firstTimestamp: t,
    lastTimestamp: t,
    count: 1,
    type: e.type ?? 'Normal',
    eventTime: null,
    reportingComponent: component,
    reportingInstance: component === 'kubelet' ? (e.host ?? pod.spec?.nodeName ?? '') : '',
  });
}
