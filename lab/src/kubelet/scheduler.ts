// The lab's scheduler: binds a new pod to the worker that runs the fewest pods, as kind's default-scheduler
// would spread them, and records the Scheduled event.
import type { Store } from '../store/index.ts';
import { recordEvent } from './events.ts';
import { now } from './status.ts';

export function schedule(store: Store, workers: string[], ns: string, name: string, uid: string): void {
  const pod = store.get('pods', ns, name);
  if (!pod || pod.metadata.uid !== uid || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
  const count = (node: string) => store.list('pods', undefined, (p) => p.spec?.nodeName === node).length;
  const node = [...workers].sort((a, b) => count(a) - count(b))[0];
  store.mutate('pods', ns, name, (p) => {
    p.spec.nodeName = node;
    p.status = p.status && typeof p.status === 'object' ? p.status : {};
    p.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() }];
  });
  recordEvent(store, pod, { reason: 'Scheduled', message: `Successfully assigned ${ns}/${name} to ${node}`, component: 'default-scheduler' });
}
