// The pods on the kubelet's nodes, from the store's watch: an unscheduled pod is scheduled (scheduler.ts), a pod
// bound to a lab node gets a runtime, a sandbox and its containers started; a deleted one has its containers stopped
// (graceful deletion: the object goes once they have) and its sandbox removed.
import type { Obj, Store, WatchEvent } from '../store/index.ts';
import { podHostname } from './rootfs.ts';
import { now } from './status.ts';
import { seconds } from './timers.ts';
import { schedule } from './scheduler.ts';
import { stopContainer } from './container-stop.ts';
import { newContainer, signalContainer, type Container, type PodRuntime, type RunnerDeps } from './pod-runtime.ts';

export interface LifecycleDeps extends Pick<RunnerDeps, 'dp' | 'current' | 'event' | 'sync' | 'safely' | 'report'> {
  store: Store;
  /** Starts a container (the container runner's start). */
  start(rt: PodRuntime, c: Container): void;
}

export interface PodLifecycle {
  /** The pod's current runtime by namespace/name. */
  pods: Map<string, PodRuntime>;
  onPodChange(e: WatchEvent): void;
  /** Stops every pod: those in a long grace period are killed at once (the lab is going down). */
  stopAll(): Promise<void>;
}

export const podKey = (ns: string, name: string) => `${ns}/${name}`;

export function createPodLifecycle(deps: LifecycleDeps): PodLifecycle {
  const { store, dp, current, event, sync, safely, report } = deps;
  /** The pod's current runtime by namespace/name; `all` also holds those still stopping after a delete. */
  const pods = new Map<string, PodRuntime>();
  const all = new Set<PodRuntime>();
  const k = podKey;
  const workers = dp.nodes.filter((n) => !n.name.endsWith('control-plane')).map((n) => n.name);

  async function startPod(pod: Obj) {
    const rt: PodRuntime = {
      key: k(pod.metadata.namespace, pod.metadata.name),
      ns: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      node: pod.spec.nodeName,
      containers: new Map(),
      stopping: false,
    };
    pods.set(rt.key, rt);
    all.add(rt);
    const specs: unknown[] = Array.isArray(pod.spec.containers) ? pod.spec.containers : [];
    for (const spec of specs) {
      if (!spec || typeof spec !== 'object') continue;
      const name = String((spec as Obj).name ?? '');
      if (!rt.containers.has(name)) rt.containers.set(name, newContainer(rt, spec as Obj, name, report));
    }
    sync(rt);
    const creating = (rt.creating = dp.createSandbox(rt.node, podHostname(pod), { hostNetwork: pod.spec.hostNetwork === true }));
    try {
      rt.sandbox = await creating;
    } catch (err) {
      event(rt, { type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${(err as Error).message}` });
      return;
    }
    if (rt.stopping) return;
    const node = dp.nodes.find((n) => n.name === rt.node);
    store.mutate('pods', rt.ns, rt.name, (p) => {
      if (p.metadata.uid !== rt.uid) return;
      p.status = p.status && typeof p.status === 'object' ? p.status : {};
      p.status.hostIP = node?.address;
      p.status.hostIPs = [{ ip: node?.address }];
      p.status.podIP = rt.sandbox!.ip;
      p.status.podIPs = [{ ip: rt.sandbox!.ip }];
      p.status.startTime = now();
    });
    for (const c of rt.containers.values()) deps.start(rt, c);
  }

  /** Stops the pod's containers (SIGTERM, SIGKILL after the grace period) and its sandbox; never rejects. */
  function stopPod(rt: PodRuntime, graceSeconds: unknown, removeObject: boolean): Promise<void> {
    if (!rt.stopped) {
      rt.stopping = true;
      rt.stopped = terminate(rt, graceSeconds, removeObject).catch(report(`stop ${rt.key}`));
    }
    return rt.stopped;
  }

  async function terminate(rt: PodRuntime, graceSeconds: unknown, removeObject: boolean) {
    // Past 2^31-1 ms setTimeout would fire at once: a grace period that long is "wait for the process".
    const graceMs = seconds(graceSeconds, 30, 0) * 1000;
    await Promise.all([...rt.containers.values()].map((c) => stopContainer(event, rt, c, graceMs)));
    await rt.creating?.catch(() => {});
    try {
      if (rt.sandbox) await dp.removeSandbox(rt.sandbox);
    } finally {
      rt.sandbox = undefined;
      if (pods.get(rt.key) === rt) pods.delete(rt.key);
      all.delete(rt);
    }
    if (removeObject && current(rt)) {
      try {
        store.delete('pods', rt.ns, rt.name);
      } catch {
        /* already gone */
      }
    }
  }

  function onPodChange(e: WatchEvent) {
    const pod = e.object;
    const { namespace: ns, name, uid } = pod.metadata;
    const key = k(ns, name);
    const rt = pods.get(key);
    const ours = rt?.uid === uid ? rt : undefined;
    if (e.type === 'DELETED') {
      if (ours) void stopPod(ours, 0, false);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      if (ours) void stopPod(ours, pod.metadata.deletionGracePeriodSeconds, true);
      else if (!rt || rt.stopping) setImmediate(() => safely(`delete ${key}`, () => { if (store.get('pods', ns, name)?.metadata.uid === uid) store.delete('pods', ns, name); }));
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return void setImmediate(() => safely(`schedule ${key}`, () => schedule(store, workers, ns, name, uid)));
    // A pod bound to a node the lab does not have stays Pending, as no kubelet would pick it up.
    if (ours || !dp.nodes.some((n) => n.name === nodeName)) return;
    // Another pod of the same name (the old one may still be stopping): it gets its own runtime.
    if (rt && !rt.stopping) void stopPod(rt, 0, false);
    void startPod(pod).catch(report(`start ${key}`));
  }

  async function stopAll() {
    // Pods still in a long grace period are not waited for: the lab is going down.
    for (const rt of all) if (rt.stopping) for (const c of rt.containers.values()) signalContainer(c, 'SIGKILL');
    await Promise.all([...all].map((rt) => stopPod(rt, 2, false)));
  }

  return { pods, onPodChange, stopAll };
}
