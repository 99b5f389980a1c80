// How the kubelet kills a container: SIGTERM, then SIGKILL once the grace period is over (a PID 1 without a SIGTERM
// handler, such as sleep, ignores SIGTERM) — on the pod's deletion, and when its liveness probe fails.
import type { ChildProcess } from 'node:child_process';
import type { Obj } from '../store/index.ts';
import { seconds } from './timers.ts';
import { running, signalContainer, type Container, type PodRuntime, type RunnerDeps } from './pod-runtime.ts';

/**
 * Stops the container for its pod's deletion (Killing event; SIGKILL after `graceMs`); resolves once its process has
 * exited, at once if none runs. Its timers are cleared either way: nothing restarts it.
 */
export function stopContainer(event: RunnerDeps['event'], rt: PodRuntime, c: Container, graceMs: number): Promise<void> {
  c.timers.clear();
  const proc = c.proc;
  if (!proc || !running(c)) return Promise.resolve();
  event(rt, { reason: 'Killing', message: `Stopping container ${c.name}`, container: c.name });
  return new Promise<void>((resolve) => {
    c.timers.after(graceMs, () => signalContainer(c, 'SIGKILL'));
    proc.once('exit', () => {
      c.timers.clear();
      resolve();
    });
    signalContainer(c, 'SIGTERM');
  });
}

/**
 * Kills the container whose liveness probe failed, for its restart: the probe's terminationGracePeriodSeconds, else
 * the pod's (`pod`: the pod object now, if it still exists), else 30 s.
 */
export function killForLiveness(c: Container, proc: ChildProcess, pod: Obj | undefined): void {
  signalContainer(c, 'SIGTERM');
  const grace = seconds(c.spec.livenessProbe?.terminationGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds, 30, 0);
  c.timers.after(grace * 1000, () => void proc.kill('SIGKILL'));
}
