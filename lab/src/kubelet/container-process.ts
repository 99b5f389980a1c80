// A started container's process, wired to the kubelet: its output to the log and to attach, its signals (through
// the terminal with tty), its exit, the relist that first reports it running, and its probes.
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { ContainerLog } from './logs.ts';
import { runProbe, scheduleProbes } from './probes.ts';
import { now } from './status.ts';
import { exitCodeOf } from '../exit-code.ts';
import { signalTerminal } from './tty.ts';
import { afterEnd } from './restart-backoff.ts';
import { killForLiveness } from './container-stop.ts';
import { running, type Container, type PodRuntime, type Runner } from './pod-runtime.ts';

// Output that a process left to children of its own may never close: the end comes with the process's, at most
// a moment after it, as a runtime's streams end with the container.
const OUTPUT_GRACE_MS = 200;

export function started(r: Runner, rt: PodRuntime, c: Container, proc: ChildProcess, log: ContainerLog) {
  const { event, sync, safely } = r;
  const tty = c.spec.tty === true;
  c.proc = proc;
  c.startedAt = now();
  c.ready = !c.spec.readinessProbe;
  c.observed = false;
  c.signal = tty ? (s) => signalTerminal(proc, s) : (s) => void proc.kill(s);
  const live = (c.output = new EventEmitter());
  const output = (stream: 'stdout' | 'stderr') => (d: string) => {
    log.write(stream, d);
    live.emit(stream, d);
  };
  proc.stdout?.setEncoding('utf8').on('data', output('stdout'));
  proc.stderr?.setEncoding('utf8').on('data', output('stderr'));
  proc.stdin?.on('error', () => {});
  proc.on('error', (err) => log.write('stderr', `${err.message}\n`));
  event(rt, { reason: 'Started', message: `Started container ${c.name}`, container: c.name });
  if (proc.exitCode !== null || proc.signalCode !== null) {
    // It ended before the sandbox's word that it started was read: its exit is known already.
    setTimeout(() => live.emit('end'), OUTPUT_GRACE_MS).unref();
    return onExit(r, rt, c, proc, proc.exitCode, proc.signalCode);
  }
  proc.once('exit', (code, signal) => safely(`exit of ${rt.key}/${c.name}`, () => onExit(r, rt, c, proc, code, signal)));
  outputEnds(proc, () => live.emit('end'));
  // The kubelet learns that a container runs at its next relist (PLEG): until then the pod shows what it showed
  // before (ContainerCreating, or the back-off before a restart), and a container that ends sooner is never
  // reported running — as on a node, where `kubectl run -it … -- curl …` then prints the container's log.
  const observe = () => {
    if (c.proc !== proc || !running(c)) return;
    c.observed = true;
    c.waiting = undefined;
    sync(rt);
  };
  if (r.relistMs > 0) c.timers.after(r.relistMs, observe);
  else observe();
  startProbes(r, rt, c, proc);
}

function startProbes(r: Runner, rt: PodRuntime, c: Container, proc: ChildProcess) {
  scheduleProbes(c.spec, c.timers, {
    alive: () => c.proc === proc && running(c) && !rt.stopping && !!rt.sandbox,
    probe: (probe) => runProbe(probe, c.spec, rt.sandbox!, r.dp, { container: proc, env: c.env ?? {} }),
    ready: () => c.ready,
    setReady: (ok) => {
      c.ready = ok;
      r.sync(rt);
    },
    event: (e) => r.event(rt, { ...e, container: c.name }),
    kill: () => killForLiveness(c, proc, r.current(rt)),
  });
}

function onExit(r: Runner, rt: PodRuntime, c: Container, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
  if (c.proc !== proc) return;
  c.log?.end();
  c.timers.clear();
  const exitCode = exitCodeOf(code, signal);
  c.lastTerminated = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: c.startedAt, finishedAt: now(), containerID: c.id };
  c.proc = undefined;
  c.ready = false;
  afterEnd(r, rt, c, exitCode);
}

function outputEnds(proc: ChildProcess, fn: () => void) {
  let done = false;
  const once = () => {
    if (!done) (done = true), fn();
  };
  proc.once('close', once);
  proc.once('exit', () => setTimeout(once, OUTPUT_GRACE_MS).unref());
}
