// The lab's kubelet: watches pods, schedules them (scheduler.ts), makes their sandboxes, runs their containers
// (containers.ts), reports their status, stops them on delete; and serves logs, exec, attach and port-forward.
// Whatever a pod spec says, nothing here ends the process: every entry point (store callbacks, timers, process
// events, sandbox creation) catches its failures, and a container that cannot run waits with the kubelet's reason
// (CreateContainerConfigError, RunContainerError, …) and a Warning event, as on a real node.
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { ApiError, badRequest, notFound, type Obj, type Store, type WatchEvent } from '../store/index.ts';
import type { Dataplane } from '../net/index.ts';
import type { LogOptions } from './types.ts';
import { recordEvent } from './events.ts';
import type { Kubelet } from './types.ts';
import { execInContainer } from './exec.ts';
import { attachTo } from './attach.ts';
import { baseEnv } from './env.ts';
import { podHostname } from './rootfs.ts';
import { applyPodStatus, containerStatus, now } from './status.ts';
import { seconds } from './timers.ts';
import { schedule } from './scheduler.ts';
import { createContainerRunner, newContainer, running, signalContainer, RELIST_MS, type Container, type PodRuntime } from './containers.ts';

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
  /** The pod's current runtime by namespace/name; `all` also holds those still stopping after a delete. */
  const pods = new Map<string, PodRuntime>();
  const all = new Set<PodRuntime>();
  const k = (ns: string, name: string) => `${ns}/${name}`;
  const workers = dp.nodes.filter((n) => !n.name.endsWith('control-plane')).map((n) => n.name);

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
    for (const c of rt.containers.values()) runner.start(rt, c);
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
    const waits: Promise<void>[] = [];
    for (const c of rt.containers.values()) {
      c.timers.clear();
      const proc = c.proc;
      if (!proc || !running(c)) continue;
      event(rt, { reason: 'Killing', message: `Stopping container ${c.name}`, container: c.name });
      waits.push(
        new Promise<void>((resolve) => {
          c.timers.after(graceMs, () => signalContainer(c, 'SIGKILL'));
          proc.once('exit', () => {
            c.timers.clear();
            resolve();
          });
          signalContainer(c, 'SIGTERM');
        }),
      );
    }
    await Promise.all(waits);
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
  const unsubscribe = store.onChange('pods', (e) => safely(`pod ${e.type}`, () => onPodChange(e)));

  function runtime(ns: string, name: string, container: string | undefined): [PodRuntime, Container] {
    const pod = store.get('pods', ns, name);
    if (!pod) throw notFound('pods', name);
    const names: string[] = (Array.isArray(pod.spec?.containers) ? pod.spec.containers : []).map((c: Obj) => String(c?.name));
    if (!container) {
      if (names.length > 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      container = names[0];
    }
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const rt = pods.get(k(ns, name));
    const c = rt && rt.uid === pod.metadata.uid ? rt.containers.get(container) : undefined;
    if (!rt || !c) throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    return [rt, c];
  }

  // The kubelet's words for a container with no log yet (validateContainerLogStatus).
  const WAITING_LOG: Record<string, string> = { ErrImagePull: "image can't be pulled", ImagePullBackOff: 'trying and failing to pull image' };

  return {
    logs(ns, name, o: LogOptions): Readable {
      const [, c] = runtime(ns, name, o.container);
      const log = o.previous ? c.previousLog : c.log;
      if (!log) {
        if (o.previous) throw badRequest(`previous terminated container "${c.name}" in pod "${name}" not found`);
        const waiting = c.waiting?.reason ?? 'ContainerCreating';
        throw badRequest(`container "${c.name}" in pod "${name}" is waiting to start: ${WAITING_LOG[waiting] ?? waiting}`);
      }
      return log.read(o);
    },
    exec(ns, name, container, argv, o) {
      const [rt, c] = runtime(ns, name, container);
      if (!rt.sandbox || !c.proc) throw badRequest(`container ${c.name} is not running`);
      if (argv.length === 0) throw badRequest('you must specify at least one command for the container');
      return execInContainer(dp, c.proc, c.env ?? baseEnv(name), argv, o);
    },
    attach(ns, name, container, o) {
      const [, c] = runtime(ns, name, container);
      if (!c.proc || !running(c) || !c.output) throw badRequest(`container ${c.name} is not running`);
      // The terminal is the container's own (spec.tty): the kubelet ignores what the client asked for.
      const { stdin, tty, stdinOnce } = c.spec;
      return attachTo({ proc: c.proc, output: c.output, stdin: stdin === true ? c.proc.stdin : null, tty: tty === true, stdinOnce: stdinOnce === true }, o);
    },
    async portForward(ns, name, port) {
      const rt = pods.get(k(ns, name));
      if (!rt?.sandbox) throw new ApiError(400, 'BadRequest', `pod ${name} is not running`);
      try {
        return await dp.connectInPod(rt.sandbox, port);
      } catch (err) {
        // The CRI's wording: the pod is named by its sandbox id, which is 64 hex digits.
        const sandboxId = createHash('sha256').update(rt.uid).digest('hex');
        throw new Error(`error forwarding port ${port} to pod ${sandboxId}, uid : ${(err as Error).message}`);
      }
    },
    async stop() {
      unsubscribe();
      // Pods still in a long grace period are not waited for: the lab is going down.
      for (const rt of all) if (rt.stopping) for (const c of rt.containers.values()) signalContainer(c, 'SIGKILL');
      await Promise.all([...all].map((rt) => stopPod(rt, 2, false)));
    },
  };
}
