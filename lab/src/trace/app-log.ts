// The app's hop, seen where the app itself says it: its log line `Received request for PATH from IP` (the book's
// app writes one per request), read from every running container's log as the kubelet keeps it — whatever made the
// request: kiada, a kubectl port-forward or exec, a curl typed on a node or in another pod.
import type { Readable } from 'node:stream';
import type { Obj, Store, WatchEvent } from '../store/index.ts';
import type { Kubelet } from '../kubelet/index.ts';
import type { NodeInfo } from '../net/index.ts';
import type { TraceRecorder } from './recorder.ts';
import type { TraceMethod } from '../trace-types.ts';
import { podRef } from './upgrade.ts';

const LINE = /^(\S+) Received request for (\S+) from (\S+)\n?$/;

/** RFC 3339 with nanoseconds (the kubelet's log timestamps) → milliseconds since the epoch, to a microsecond. */
function parseTime(ts: string): number {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return Date.now();
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? '0'}`) * 1000;
}

export function followAppLogs(opts: { store: Store; kubelet: Pick<Kubelet, 'logs'>; nodes: Pick<NodeInfo, 'name' | 'index'>[]; recorder: TraceRecorder }): () => void {
  const { store, kubelet, recorder } = opts;
  const following = new Map<string, Readable>();

  /** Where a request came from, by the address the app saw. */
  const origin = (ip: string): { method: TraceMethod; detail: string } => {
    const v4 = ip.replace(/^::ffff:/, '');
    if (/^127\.|^::1$/.test(v4)) return { method: 'loopback', detail: "from the pod's own loopback" };
    const node = opts.nodes.find((n) => v4 === `10.244.${n.index}.1`);
    if (node) return { method: 'node', detail: `from node ${node.name}, over its bridge cni0` };
    const client = store.list('pods', undefined, (p) => p.status?.podIP === v4 && !p.spec?.hostNetwork)[0];
    if (client) return { method: 'pod', detail: `from pod ${client.metadata.namespace}/${client.metadata.name} on ${client.spec.nodeName}` };
    return { method: 'other', detail: `from ${ip}` };
  };

  const follow = (pod: Obj) => {
    if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return;
    for (const cs of pod.status.containerStatuses ?? []) {
      if (!cs.state?.running) continue;
      // One log per run of a container: a restart starts a new one.
      const key = `${pod.metadata.uid}/${cs.name}/${cs.restartCount}`;
      if (following.has(key)) continue;
      let log: Readable;
      try {
        log = kubelet.logs(pod.metadata.namespace, pod.metadata.name, { container: cs.name, follow: true, tailLines: 0, timestamps: true });
      } catch {
        continue; // not started after all: the next change of the pod tries again
      }
      following.set(key, log);
      let partial = '';
      log.setEncoding('utf8');
      log.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const l of lines) {
          const m = LINE.exec(l);
          if (m) recorder.recordApp(podRef(pod), m[2], m[3], parseTime(m[1]), origin);
        }
      });
      log.once('close', () => following.delete(key));
      log.once('end', () => following.delete(key));
    }
  };

  // Never throws into the store: its listeners run inside whoever changed the pod.
  const safely = (pod: Obj) => {
    try {
      follow(pod);
    } catch {
      /* the next change of the pod tries again */
    }
  };
  for (const p of store.list('pods')) safely(p);
  const off = store.onChange('pods', (e: WatchEvent) => {
    if (e.type !== 'DELETED') safely(e.object);
  });
  return () => {
    off();
    for (const l of following.values()) l.destroy();
    following.clear();
  };
}
