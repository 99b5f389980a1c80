// The lab's kubelet and scheduler: turns Pod objects into sandboxes and processes, and reports their status.
// Whatever a pod spec says, nothing here ends the process: every entry point (store callbacks, timers, process
// events, sandbox creation) catches its failures, and a container that cannot run waits with the kubelet's reason
// (CreateContainerConfigError, RunContainerError, …) and a Warning event, as on a real node.
import type { Readable } from 'node:stream';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { ApiError, badRequest, notFound, type Obj, type Store, type WatchEvent } from '../store/index.ts';
import type { Dataplane, Sandbox } from '../net/index.ts';
import type { LogOptions } from '../api/index.ts';
import { checkImage, containerArgv, pullImage, ImagePullError, InvalidImageError } from './images.ts';
import { ContainerLog } from './logs.ts';
import { recordEvent } from './events.ts';
import { runProbe, scheduleProbes } from './probes.ts';
import type { ContainerIO, Kubelet } from './types.ts';
import { execInSandbox, attachTo } from './exec.ts';
import { baseEnv, ConfigError, expand, podEnv, stringList } from './env.ts';
import { checkStart, runcFailure, StartError } from './start-check.ts';
import { applyPodStatus, containerStatus, exitCodeOf, goDuration, now } from './status.ts';
import { seconds, Timers } from './timers.ts';

export interface KubeletOptions {
  store: Store;
  dataplane: Dataplane;
  repoRoot: string;
  /** Base of the restart back-off (CrashLoopBackOff); 10 s on a real kubelet. */
  backoffMs?: number;
  /** Where the kubelet's own failures go (the daemon's log); stderr by default. */
  log?: (msg: string) => void;
}

const cid = () => `containerd://${randomBytes(32).toString('hex')}`;
// containerd reports a container that never started as started at the Unix epoch.
const NEVER = '1970-01-01T00:00:00Z';

interface Container {
  spec: Obj;
  name: string;
  proc?: ChildProcess;
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
  /** Output as it happens, for attach (no buffering: nobody attached means nothing kept). */
  live: EventEmitter;
}

interface PodRuntime {
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

const running = (c: Container) => !!c.proc && c.proc.exitCode === null && c.proc.signalCode === null;

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

  function schedule(ns: string, name: string, uid: string) {
    const pod = store.get('pods', ns, name);
    if (!pod || pod.metadata.uid !== uid || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    const count = (node: string) => store.list('pods', undefined, (p) => p.spec?.nodeName === node).length;
    const node = [...workers].sort((a, b) => count(a) - count(b))[0];
    store.mutate('pods', ns, name, (p) => {
      p.spec.nodeName = node;
      p.status = p.status && typeof p.status === 'object' ? p.status : {};
      p.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() }];
    });
    recordEvent(store, pod, { reason: 'Scheduled', message: `Successfully assigned ${ns}/${name} to ${node}`, component: 'default-scheduler' });
  }

  /** Writes the pod's status from what the kubelet knows: container states, phase, conditions. */
  function sync(rt: PodRuntime) {
    store.mutate('pods', rt.ns, rt.name, (p) => {
      if (p.metadata?.uid !== rt.uid) return;
      p.status = p.status && typeof p.status === 'object' ? p.status : {};
      const statuses = [...rt.containers.values()].map((c) =>
        containerStatus({ name: c.name, image: typeof c.spec.image === 'string' ? c.spec.image : '', running: running(c), startedAt: c.startedAt, waiting: c.waiting, lastTerminated: c.lastTerminated, restarts: c.restarts, ready: c.ready, id: c.id }),
      );
      if (rt.sandbox) applyPodStatus(p.status, statuses);
      else p.status.containerStatuses = statuses;
    });
  }

  /** A failure no container was made for (bad config, bad image name): the kubelet retries it at every sync. */
  function waitAndRetry(rt: PodRuntime, c: Container, reason: string, message: string) {
    c.waiting = { reason, message };
    sync(rt);
    c.timers.after(backoff, () => startContainer(rt, c));
  }

  function pullFailed(rt: PodRuntime, c: Container, image: string, err: Error) {
    event(rt, { reason: 'Pulling', message: `Pulling image "${image}"`, container: c.name });
    event(rt, { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${image}": ${err.message}`, container: c.name });
    event(rt, { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', container: c.name });
    c.waiting = { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}"` };
    sync(rt);
    c.timers.after(1000, () => {
      if (!current(rt) || rt.stopping) return;
      event(rt, { reason: 'BackOff', message: `Back-off pulling image "${image}"`, container: c.name });
      event(rt, { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', container: c.name });
      c.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
      sync(rt);
    });
  }

  /** The container's process and environment, or the ConfigError the kubelet would give. */
  function containerConfig(rt: PodRuntime, c: Container, pod: Obj, image: string) {
    const vars = podEnv(c.spec, pod, { podIP: rt.sandbox!.ip, hostIP: dp.nodes.find((n) => n.name === rt.node)?.address ?? '' });
    const command = stringList(c.spec.command, 'command', c.name)?.map((a) => expand(a, vars));
    const args = stringList(c.spec.args, 'args', c.name)?.map((a) => expand(a, vars));
    const wd: unknown = c.spec.workingDir;
    if (wd !== undefined && wd !== null && typeof wd !== 'string') throw new ConfigError(`invalid workingDir for container "${c.name}": ${JSON.stringify(wd)} is not a string`);
    return { argv: containerArgv(image, command, args, opts.repoRoot), env: { ...baseEnv(rt.name), ...vars }, cwd: wd ? path.resolve('/', wd) : '/' };
  }

  function startContainer(rt: PodRuntime, c: Container) {
    const pod = current(rt);
    if (!pod || rt.stopping || !rt.sandbox) return;
    // As the kubelet: the image first (pull), then the container's config, then create and start.
    let image: string;
    try {
      image = checkImage(c.spec.image);
      pullImage(image);
    } catch (err) {
      if (err instanceof InvalidImageError) {
        event(rt, { type: 'Warning', reason: 'InspectFailed', message: err.message, container: c.name });
        event(rt, { type: 'Warning', reason: 'Failed', message: 'Error: InvalidImageName', container: c.name });
        return waitAndRetry(rt, c, 'InvalidImageName', err.message);
      }
      if (err instanceof ImagePullError) return pullFailed(rt, c, String(c.spec.image), err);
      throw err;
    }
    if (c.spec.imagePullPolicy === 'Always') {
      event(rt, { reason: 'Pulling', message: `Pulling image "${image}"`, container: c.name });
      event(rt, { reason: 'Pulled', message: `Successfully pulled image "${image}" in 0s (0s including waiting). Image size: 0 bytes.`, container: c.name });
    } else event(rt, { reason: 'Pulled', message: `Container image "${image}" already present on machine`, container: c.name });
    let config: ReturnType<typeof containerConfig>;
    try {
      config = containerConfig(rt, c, pod, image);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      event(rt, { type: 'Warning', reason: 'Failed', message: `Error: ${err.message}`, container: c.name });
      return waitAndRetry(rt, c, 'CreateContainerConfigError', err.message);
    }
    c.id = cid();
    c.env = config.env;
    if (c.log) c.previousLog = c.log;
    const log = (c.log = new ContainerLog());
    event(rt, { reason: 'Created', message: `Created container ${c.name}`, container: c.name });
    let proc: ChildProcess;
    try {
      checkStart(config.argv, config.cwd, config.env);
      proc = dp.spawnInSandbox(rt.sandbox, config.argv, { env: config.env, cwd: config.cwd, stdin: !!c.spec.stdin });
    } catch (err) {
      return startFailed(rt, c, err instanceof StartError ? err : runcFailure((err as Error).message));
    }
    if (proc.pid === undefined) {
      // The spawn itself failed (Node reports it as an 'error' event, and no 'exit' ever comes).
      proc.once('error', (err) => safely(`start ${rt.key}/${c.name}`, () => startFailed(rt, c, runcFailure(err.message))));
      return;
    }
    c.proc = proc;
    c.startedAt = now();
    c.ready = !c.spec.readinessProbe;
    c.waiting = undefined;
    const output = (stream: 'stdout' | 'stderr') => (d: string) => {
      log.write(stream, d);
      c.live.emit('data', d);
    };
    proc.stdout?.setEncoding('utf8').on('data', output('stdout'));
    proc.stderr?.setEncoding('utf8').on('data', output('stderr'));
    proc.on('error', (err) => log.write('stderr', `${err.message}\n`));
    proc.once('exit', (code, signal) => safely(`exit of ${rt.key}/${c.name}`, () => onExit(rt, c, proc, code, signal)));
    event(rt, { reason: 'Started', message: `Started container ${c.name}`, container: c.name });
    sync(rt);
    startProbes(rt, c, proc);
  }

  function startProbes(rt: PodRuntime, c: Container, proc: ChildProcess) {
    scheduleProbes(c.spec, c.timers, {
      alive: () => c.proc === proc && running(c) && !rt.stopping && !!rt.sandbox,
      probe: (probe) => runProbe(probe, c.spec, rt.sandbox!, dp),
      ready: () => c.ready,
      setReady: (ok) => {
        c.ready = ok;
        sync(rt);
      },
      event: (e) => event(rt, { ...e, container: c.name }),
      kill: () => proc.kill('SIGTERM'),
    });
  }

  /** Created, but runc could not start it: the kubelet's RunContainerError, with a StartError termination. */
  function startFailed(rt: PodRuntime, c: Container, err: StartError) {
    c.log?.end();
    c.proc = undefined;
    c.ready = false;
    c.lastTerminated = { exitCode: 128, reason: 'StartError', message: err.message, startedAt: NEVER, finishedAt: now(), containerID: c.id };
    event(rt, { type: 'Warning', reason: 'Failed', message: `Error: ${err.message}`, container: c.name });
    afterEnd(rt, c, 128, err.message);
  }

  function onExit(rt: PodRuntime, c: Container, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (c.proc !== proc) return;
    c.log?.end();
    c.timers.clear();
    const exitCode = exitCodeOf(code, signal);
    c.lastTerminated = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: c.startedAt, finishedAt: now(), containerID: c.id };
    c.proc = undefined;
    c.ready = false;
    afterEnd(rt, c, exitCode);
  }

  /** The container ended (or never started: `startError`); its restart policy says whether it comes back, and when. */
  function afterEnd(rt: PodRuntime, c: Container, exitCode: number, startError?: string) {
    const pod = current(rt);
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
      startContainer(rt, c);
    });
    sync(rt);
  }

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
      if (!rt.containers.has(name)) rt.containers.set(name, { spec: spec as Obj, name, restarts: 0, ready: false, timers: new Timers(report(`container ${rt.key}/${name}`)), live: new EventEmitter() });
    }
    sync(rt);
    const creating = (rt.creating = dp.createSandbox(rt.node, rt.name));
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
      p.status.hostIP = node?.address;
      p.status.hostIPs = [{ ip: node?.address }];
      p.status.podIP = rt.sandbox!.ip;
      p.status.podIPs = [{ ip: rt.sandbox!.ip }];
      p.status.startTime = now();
    });
    for (const c of rt.containers.values()) safely(`start ${rt.key}/${c.name}`, () => startContainer(rt, c));
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
          c.timers.after(graceMs, () => void proc.kill('SIGKILL'));
          proc.once('exit', () => {
            c.timers.clear();
            resolve();
          });
          proc.kill('SIGTERM');
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
    if (!nodeName) return void setImmediate(() => safely(`schedule ${key}`, () => schedule(ns, name, uid)));
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
      return execInSandbox(dp, rt.sandbox, c.env ?? baseEnv(name), argv, o);
    },
    attach(ns, name, container, o) {
      const [, c] = runtime(ns, name, container);
      if (!c.proc) throw badRequest(`container ${c.name} is not running`);
      return attachTo(c.proc, c.live, o);
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
      for (const rt of all) if (rt.stopping) for (const c of rt.containers.values()) if (running(c)) c.proc!.kill('SIGKILL');
      await Promise.all([...all].map((rt) => stopPod(rt, 2, false)));
    },
  };
}
