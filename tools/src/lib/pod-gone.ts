// Tells when a pod is gone for good — deleted (or replaced by a new pod of that name), finished, or out of reach
// of the API server — as kubectl's port-forward learns it from its tunnel closing ("lost connection to pod").
import { Watch, type V1Pod } from '@kubernetes/client-node';
import type { Ctx } from './context.ts';

export interface PodGone {
  /** Resolves once the pod is gone. */
  gone: Promise<void>;
  /** Asks the API server now (after a failed connection, say); resolves true if the pod is gone. */
  check(): Promise<boolean>;
  stop(): void;
}

const finished = (p: V1Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

export function watchPodGone(ctx: Ctx, pod: V1Pod): PodGone {
  const name = pod.metadata!.name!;
  const uid = pod.metadata!.uid;
  let over = false;
  let abort: AbortController | undefined;
  let onGone!: () => void;
  const gone = new Promise<void>((resolve) => (onGone = resolve));
  const end = () => {
    if (over) return;
    over = true;
    abort?.abort();
    onGone();
  };
  let checking: Promise<boolean> | undefined;
  // A watch ends now and then (the server's timeout, client-node's 30 s of silence): the pod is read again and
  // watched from there. A 404 or an API server that no longer answers is a lost pod too, as for kubectl's tunnel.
  const check = () =>
    (checking ??= ctx.core.readNamespacedPod({ name, namespace: ctx.namespace }).then(
      (p) => {
        checking = undefined;
        if (p.metadata?.uid !== uid || finished(p)) end();
        else watch(p.metadata?.resourceVersion);
        return over;
      },
      () => {
        end();
        return true;
      },
    ));
  let latest = 0;
  const watch = (resourceVersion?: string) => {
    if (over) return;
    const id = ++latest;
    let ended = false;
    const restart = () => {
      if (ended) return;
      ended = true;
      void check();
    };
    new Watch(ctx.kc)
      .watch(`/api/v1/namespaces/${ctx.namespace}/pods`, { fieldSelector: `metadata.name=${name}`, resourceVersion }, (type, p: V1Pod) => {
        // ERROR (a resourceVersion too old, say) is followed by the end of the watch, and a fresh read.
        if (type === 'DELETED' || (type !== 'ERROR' && (p.metadata?.uid !== uid || finished(p)))) end();
      }, restart)
      .then((a) => {
        // Only the latest watch stays open (an older one has ended already).
        if (over || id !== latest) a.abort();
        else abort = a;
      }, restart);
  };
  watch(pod.metadata?.resourceVersion);
  return {
    gone,
    check: () => (over ? Promise.resolve(true) : check()),
    stop: () => {
      over = true;
      abort?.abort();
    },
  };
}
