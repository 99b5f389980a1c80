// What the kubelet keeps of a pod it runs and of each of its containers, and what the container runner needs from
// the kubelet around it: the shared vocabulary of container-start.ts, container-process.ts, restart-backoff.ts,
// container-stop.ts, pod-lifecycle.ts and container-access.ts, so that none of them imports another for its types.
import type { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { Obj } from '../store/index.ts';
import type { Dataplane, Sandbox } from '../net/index.ts';
import type { ContainerLog } from './logs.ts';
import type { recordEvent } from './events.ts';
import { Timers } from './timers.ts';

export interface Container {
  spec: Obj;
  name: string;
  proc?: ChildProcess;
  /** The sandbox is making it (a new start waits for this one). */
  starting?: Promise<ChildProcess>;
  /** The environment its process got (exec uses the same). */
  env?: Record<string, string>;
  log?: ContainerLog;
  previousLog?: ContainerLog;
  restarts: number;
  ready: boolean;
  startedAt?: string;
  id?: string;
  /** Why it does not run now, as the kubelet words it; undefined while it runs or once it has terminated for good. */
  waiting?: { reason: string; message?: string };
  lastTerminated?: Obj;
  timers: Timers;
  /**
   * The running process's output as it happens, for attach (no buffering: nobody attached means nothing kept):
   * 'stdout' and 'stderr' chunks, then 'end'. One per run of the container.
   */
  output?: EventEmitter;
  /** Signals the container's process (with a terminal: the command on it, not the relay). */
  signal?: (signal: NodeJS.Signals) => void;
  /** Whether the kubelet has seen this run of the container running (its next relist after the start). */
  observed: boolean;
}

export interface PodRuntime {
  key: string;
  ns: string;
  name: string;
  uid: string;
  node: string;
  sandbox?: Sandbox;
  /** The sandbox being made: stopping waits for it, so a pod deleted meanwhile leaves no namespace behind. */
  creating?: Promise<unknown>;
  containers: Map<string, Container>;
  stopping: boolean;
  stopped?: Promise<void>;
}

export const running = (c: Container) => !!c.proc && c.proc.exitCode === null && c.proc.signalCode === null;

/** Sends a signal to the container's process, if it runs. */
export function signalContainer(c: Container, signal: NodeJS.Signals): void {
  if (running(c)) (c.signal ?? ((s: NodeJS.Signals) => c.proc!.kill(s)))(signal);
}

/** The kubelet's relist period (the generic PLEG's): how long after a start the kubelet first sees it running. */
export const RELIST_MS = 1000;

/** What the container runner needs from the kubelet around it. */
export interface RunnerDeps {
  dp: Dataplane;
  repoRoot: string;
  /** Base of the restart back-off. */
  backoff: number;
  /** How long after its start a container is first reported running (0: at once). */
  relistMs: number;
  /** The pod object a runtime is for, if it still exists. */
  current(rt: PodRuntime): Obj | undefined;
  event(rt: PodRuntime, e: Parameters<typeof recordEvent>[2]): void;
  /** Writes the pod's status from its runtime. */
  sync(rt: PodRuntime): void;
  /** Runs a callback from the event loop, logging what it throws. */
  safely(what: string, fn: () => unknown): void;
  report(what: string): (err: unknown) => void;
}

/** The runner's parts share the kubelet's deps and the runner's own start, which a retry or a restart calls again. */
export interface Runner extends RunnerDeps {
  start(rt: PodRuntime, c: Container): void;
}

/** `report` gives the handler for what its timers' callbacks throw. */
export function newContainer(rt: PodRuntime, spec: Obj, name: string, report: RunnerDeps['report']): Container {
  return { spec, name, restarts: 0, ready: false, timers: new Timers(report(`container ${rt.key}/${name}`)), observed: false };
}
