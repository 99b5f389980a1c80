// After a container ends (or never started): its pod's restartPolicy says whether it comes back, and the kubelet's
// back-off says when — the first restart quickly, then doubling from the base up to 5 minutes (CrashLoopBackOff),
// with the waiting reason and BackOff events a real kubelet gives meanwhile.
import { goDuration } from './status.ts';
import type { Container, PodRuntime, Runner } from './pod-runtime.ts';

/** The container ended (or never started: `startError`); its restart policy says whether it comes back, and when. */
export function afterEnd(r: Runner, rt: PodRuntime, c: Container, exitCode: number, startError?: string) {
  const { backoff, event, sync } = r;
  const pod = r.current(rt);
  if (rt.stopping || !pod) return;
  const policy = pod.spec?.restartPolicy;
  const restart = policy === 'Never' ? false : policy === 'OnFailure' ? exitCode !== 0 : true;
  if (!restart) {
    c.waiting = undefined;
    sync(rt);
    return;
  }
  // The first restart comes quickly; then the back-off doubles from its base, capped at 5 minutes (CrashLoopBackOff).
  const delay = c.restarts === 0 ? backoff / 10 : Math.min(backoff * 2 ** (c.restarts - 1), 300_000);
  const crashLoop = { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${rt.name}_${rt.ns}(${rt.uid})` };
  const backOffEvent = () => event(rt, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${rt.name}_${rt.ns}(${rt.uid})`, container: c.name });
  if (startError) {
    // RunContainerError until the kubelet's next sync finds the container backing off.
    c.waiting = { reason: 'RunContainerError', message: startError };
    if (c.restarts > 0) {
      c.timers.after(Math.min(1000, delay / 2), () => {
        if (c.proc || rt.stopping) return;
        c.waiting = crashLoop;
        sync(rt);
        backOffEvent();
      });
    }
  } else {
    c.waiting = crashLoop;
    if (c.restarts > 0) backOffEvent();
  }
  c.timers.after(delay, () => {
    c.restarts++;
    r.start(rt, c);
  });
  sync(rt);
}
