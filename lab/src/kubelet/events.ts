// Kubernetes Events as the kubelet and the scheduler record them (kubectl describe / get events show these).
import { randomBytes } from 'node:crypto';
import type { Obj, Store } from '../store/index.ts';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function recordEvent(
  store: Store,
  pod: Obj,
  e: { type?: 'Normal' | 'Warning'; reason: string; message: string; container?: string; component?: string; host?: string },
): void {
  const ns = pod.metadata.namespace;
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
    metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
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
