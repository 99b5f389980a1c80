// Pod status as the kubelet reports it: each container's state (waiting with the kubelet's reason, running,
// terminated), its last termination, then the pod's phase and conditions.
import { createHash } from 'node:crypto';
import type { Obj } from '../store/index.ts';

import { metaTime as now } from '../time.ts';

export { now };

/** A duration as Go's time.Duration prints it (the kubelet's back-off messages): 300ms, 10s, 1m20s, 5m0s. */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${Number(((ms % 60_000) / 1000).toFixed(3))}s`;
  return h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
}

/** What the kubelet knows of one container. */
export interface ContainerView {
  name: string;
  image: string;
  running: boolean;
  startedAt?: string;
  /** Why it does not run now (ContainerCreating, CreateContainerConfigError, RunContainerError, CrashLoopBackOff, …). */
  waiting?: { reason: string; message?: string };
  lastTerminated?: Obj;
  restarts: number;
  ready: boolean;
  id?: string;
}

/** The image as containerd names it in a status: registry and library/ added, tag defaulted (docker.io/library/busybox:latest). */
export function statusImage(image: string): string {
  const [first, ...rest] = image.split('/');
  const registry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const ref = registry ? image : rest.length ? `docker.io/${image}` : `docker.io/library/${image}`;
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  return name.includes(':') || name.includes('@') ? ref : `${ref}:latest`;
}

/** The image's ID as containerd reports it (repo@sha256 digest); the lab's images have none, so one stable per image. */
export function imageId(image: string): string {
  const ref = statusImage(image);
  if (ref.includes('@')) return ref.replace(/:[^/@]+@/, '@');
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  return `${repo}@sha256:${createHash('sha256').update(ref).digest('hex')}`;
}

export function containerStatus(c: ContainerView): Obj {
  let state: Obj;
  if (c.running) state = { running: { startedAt: c.startedAt } };
  else if (c.waiting) state = { waiting: { reason: c.waiting.reason, ...(c.waiting.message ? { message: c.waiting.message } : {}) } };
  else if (c.lastTerminated) state = { terminated: c.lastTerminated };
  else state = { waiting: { reason: 'ContainerCreating' } };
  return {
    name: c.name,
    state,
    lastState: c.lastTerminated && !state.terminated ? { terminated: c.lastTerminated } : {},
    ready: c.running && c.ready,
    restartCount: c.restarts,
    image: statusImage(c.image),
    // Known once a container was made from it (a pod still pulling, or that cannot pull, has none).
    imageID: c.id || c.running || c.lastTerminated ? imageId(c.image) : '',
    ...(c.id ? { containerID: c.id } : {}),
    started: c.running,
  };
}

/** Writes containerStatuses, phase and conditions into `status` (the pod has a sandbox). */
export function applyPodStatus(status: Obj, statuses: Obj[]): void {
  status.containerStatuses = statuses;
  const all = statuses.length;
  const running = statuses.filter((s) => s.state.running).length;
  const terminated = statuses.filter((s) => s.state.terminated);
  const ready = all > 0 && statuses.every((s) => s.ready);
  if (terminated.length === all && all > 0) status.phase = terminated.every((s) => s.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
  else if (running > 0 || statuses.some((s) => s.lastState?.terminated)) status.phase = 'Running';
  const finished = status.phase === 'Succeeded' || status.phase === 'Failed';
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];
  const cond = (type: string, ok: boolean, reason?: string) => {
    const old = conditions.find((c) => c?.type === type);
    const s = ok ? 'True' : 'False';
    return { type, status: s, lastProbeTime: null, lastTransitionTime: old?.status === s ? old.lastTransitionTime : now(), ...(ok || !reason ? {} : { reason }) };
  };
  status.conditions = [
    cond('PodReadyToStartContainers', true),
    cond('Initialized', true),
    cond('Ready', ready, finished ? 'PodCompleted' : 'ContainersNotReady'),
    cond('ContainersReady', ready, finished ? 'PodCompleted' : 'ContainersNotReady'),
    cond('PodScheduled', true),
  ];
}
