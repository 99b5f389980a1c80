// The lab's kubelet, wired together: pods from the store's watch (pod-lifecycle.ts), their containers
// (container-start.ts and what it calls), their status written back to the store, and logs, exec, attach and
// port-forward (container-access.ts). Whatever a pod spec says, nothing here ends the process: every entry point
// (store callbacks, timers, process events, sandbox creation) catches its failures, and a container that cannot
// run waits with the kubelet's reason (CreateContainerConfigError, RunContainerError, …) and a Warning event, as
// on a real node.
import type { Obj, Store } from '../store/index.ts';
import type { Dataplane } from '../net/index.ts';
import { recordEvent } from './events.ts';
import type { Kubelet } from './types.ts';
import { applyPodStatus, containerStatus } from './status.ts';
import { seconds } from './timers.ts';
import { createContainerRunner } from './container-start.ts';
import { createPodLifecycle } from './pod-lifecycle.ts';
import { containerAccess } from './container-access.ts';
import { running, RELIST_MS, type PodRuntime } from './pod-runtime.ts';

export interface KubeletOptions {
  store: Store;
  dataplane: Dataplane;
  repoRoot: string;
  /** Base of the restart back-off (CrashLoopBackOff); 10 s on a real kubelet. */
  backoffMs?: number;
  /** How long after its start a container is first reported running (the kubelet's relist period, 1 s). */
  relistMs?: number;
  /** Where the kubelet's own failures go (the daemon's log); stderr by default. */
  log?: (msg: string) => void;
}

export function createKubelet(opts: KubeletOptions): Kubelet {
  const { store, dataplane: dp } = opts;
  const backoff = seconds(opts.backoffMs ?? Number(process.env.KIADA_LAB_BACKOFF_MS ?? 10_000), 10_000, 1);
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${new Date().toISOString()} kubelet: ${msg}\n`));

  const report = (what: string) => (err: unknown) => log(`${what}: ${(err as Error)?.stack ?? String(err)}`);
  /** Runs a callback from the event loop: a failure is logged, never thrown at the event loop. */
  function safely(what: string, fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(report(what));
    } catch (err) {
      report(what)(err);
    }
  }

  /** The pod object this runtime is for, if it still exists (a new pod of the same name is another one). */
  function current(rt: PodRuntime): Obj | undefined {
    const p = store.get('pods', rt.ns, rt.name);
    return p?.metadata?.uid === rt.uid ? p : undefined;
  }

  function event(rt: PodRuntime, e: Parameters<typeof recordEvent>[2]) {
    safely(`event ${e.reason} for ${rt.key}`, () => {
      const p = current(rt);
      if (p) recordEvent(store, p, e);
    });
  }

  /** Writes the pod's status from what the kubelet knows: container states, phase, conditions. */
  function sync(rt: PodRuntime) {
    store.mutate('pods', rt.ns, rt.name, (p) => {
      if (p.metadata?.uid !== rt.uid) return;
      p.status = p.status && typeof p.status === 'object' ? p.status : {};
      const statuses = [...rt.containers.values()].map((c) =>
        containerStatus({ name: c.name, image: typeof c.spec.image === 'string' ? c.spec.image : '', running: running(c) && c.observed, startedAt: c.startedAt, waiting: c.waiting, lastTerminated: c.lastTerminated, restarts: c.restarts, ready: c.ready, id: c.id }),
      );
      if (rt.sandbox) applyPodStatus(p.status, statuses);
      else p.status.containerStatuses = statuses;
    });
  }

  const relistMs = seconds(opts.relistMs, RELIST_MS, 0);
  const runner = createContainerRunner({ dp, repoRoot: opts.repoRoot, backoff, relistMs, current, event, sync, safely, report });
  const lifecycle = createPodLifecycle({ store, dp, current, event, sync, safely, report, start: runner.start });
  const unsubscribe = store.onChange('pods', (e) => safely(`pod ${e.type}`, () => lifecycle.onPodChange(e)));

  return {
    ...containerAccess(store, dp, lifecycle.pods),
    async stop() {
      unsubscribe();
      await lifecycle.stopAll();
    },
  };
}
