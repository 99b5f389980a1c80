// The lab's kubelet and scheduler: turns Pod objects into sandboxes and processes, and reports their status.
import type { Readable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { randomBytes, createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { ApiError, badRequest, notFound, type Obj, type Store, type WatchEvent } from '../store/index.ts';
import type { Dataplane, Sandbox } from '../net/index.ts';
import type { LogOptions } from '../api/index.ts';
import { containerArgv, ImagePullError } from './images.ts';
import { ContainerLog } from './logs.ts';
import { recordEvent } from './events.ts';
import { runProbe, scheduleProbes } from './probes.ts';
import type { ContainerIO, Kubelet } from './types.ts';
import { execInSandbox, attachTo } from './exec.ts';

export interface KubeletOptions {
  store: Store;
  dataplane: Dataplane;
  repoRoot: string;
  /** Base of the restart back-off (CrashLoopBackOff); 10 s on a real kubelet. */
  backoffMs?: number;
}

const ts = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const cid = () => `containerd://${randomBytes(32).toString('hex')}`;

interface Container {
  spec: Obj;
  proc?: ChildProcess;
  log?: ContainerLog;
  previousLog?: ContainerLog;
  restarts: number;
  ready: boolean;
  startedAt?: string;
  id?: string;
  lastTerminated?: Obj;
  timers: NodeJS.Timeout[];
  /** Output as it happens, for attach (no buffering: nobody attached means nothing kept). */
  live: EventEmitter;
}

interface PodRuntime {
  key: string;
  ns: string;
  name: string;
  uid: string;
  sandbox?: Sandbox;
  containers: Map<string, Container>;
  stopping: boolean;
  done: boolean;
}

export function createKubelet(opts: KubeletOptions): Kubelet {
  const { store, dataplane: dp } = opts;
  const backoff = opts.backoffMs ?? Number(process.env.KIADA_LAB_BACKOFF_MS ?? 10_000);
  const pods = new Map<string, PodRuntime>();
  const k = (ns: string, name: string) => `${ns}/${name}`;
  const workers = dp.nodes.filter((n) => !n.name.endsWith('control-plane')).map((n) => n.name);

  function schedule(pod: Obj) {
    const count = (node: string) => store.list('pods', undefined, (p) => p.spec?.nodeName === node).length;
    const node = [...workers].sort((a, b) => count(a) - count(b))[0];
    store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      p.spec.nodeName = node;
      p.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ts() }];
    });
    recordEvent(store, pod, { reason: 'Scheduled', message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`, component: 'default-scheduler' });
  }

  /** Writes the pod's status from what runs: container states, phase, conditions. */
  function sync(rt: PodRuntime, extra: (p: Obj) => void = () => {}) {
    store.mutate('pods', rt.ns, rt.name, (p) => {
      extra(p);
      if (!rt.sandbox) return;
      const statuses: Obj[] = [];
      for (const [name, c] of rt.containers) {
        const prev: Obj | undefined = (p.status.containerStatuses ?? []).find((s: Obj) => s.name === name);
        let state: Obj;
        if (c.proc && c.proc.exitCode === null && c.proc.signalCode === null) state = { running: { startedAt: c.startedAt } };
        else if (c.lastTerminated && !c.timers.length) state = { terminated: c.lastTerminated };
        else if (prev?.state?.waiting && !c.proc) state = prev.state;
        else if (c.lastTerminated) state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${name} in pod ${rt.name}_${rt.ns}(${rt.uid})` } };
        else state = prev?.state ?? { waiting: { reason: 'ContainerCreating' } };
        statuses.push({
          name,
          state,
          ...(c.lastTerminated && (state.running || state.waiting) ? { lastState: { terminated: c.lastTerminated } } : { lastState: {} }),
          ready: !!state.running && c.ready,
          restartCount: c.restarts,
          image: c.spec.image.includes('/') || c.spec.image.includes('.') ? c.spec.image : `docker.io/library/${c.spec.image}`,
          imageID: '',
          ...(c.id ? { containerID: c.id } : {}),
          started: !!state.running,
        });
      }
      p.status.containerStatuses = statuses;
      const all = statuses.length;
      const running = statuses.filter((s) => s.state.running).length;
      const terminated = statuses.filter((s) => s.state.terminated);
      const ready = all > 0 && statuses.every((s) => s.ready);
      if (terminated.length === all && all > 0) p.status.phase = terminated.every((s) => s.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
      else if (running > 0 || statuses.some((s) => s.lastState?.terminated)) p.status.phase = 'Running';
      const cond = (type: string, ok: boolean, reason?: string) => {
        const old = (p.status.conditions ?? []).find((c: Obj) => c.type === type);
        const status = ok ? 'True' : 'False';
        return { type, status, lastProbeTime: null, lastTransitionTime: old?.status === status ? old.lastTransitionTime : ts(), ...(ok || !reason ? {} : { reason }) };
      };
      const finished = p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
      p.status.conditions = [
        cond('PodReadyToStartContainers', true),
        cond('Initialized', true),
        cond('Ready', ready, finished ? 'PodCompleted' : 'ContainersNotReady'),
        cond('ContainersReady', ready, finished ? 'PodCompleted' : 'ContainersNotReady'),
        cond('PodScheduled', true),
      ];
    });
  }

  function startContainer(rt: PodRuntime, c: Container) {
    const pod = store.get('pods', rt.ns, rt.name);
    if (!pod || rt.stopping || !rt.sandbox) return;
    let argv: string[];
    try {
      argv = containerArgv(c.spec, opts.repoRoot);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      recordEvent(store, pod, { reason: 'Pulling', message: `Pulling image "${c.spec.image}"`, container: c.spec.name });
      recordEvent(store, pod, { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${c.spec.image}": ${err.message}`, container: c.spec.name });
      recordEvent(store, pod, { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', container: c.spec.name });
      setStatusWaiting(rt, c, 'ErrImagePull', `failed to pull and unpack image "${c.spec.image}"`);
      const t = setTimeout(() => {
        c.timers = c.timers.filter((x) => x !== t);
        const p = store.get('pods', rt.ns, rt.name);
        if (!p || rt.stopping) return;
        recordEvent(store, p, { reason: 'BackOff', message: `Back-off pulling image "${c.spec.image}"`, container: c.spec.name });
        recordEvent(store, p, { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', container: c.spec.name });
        setStatusWaiting(rt, c, 'ImagePullBackOff', `Back-off pulling image "${c.spec.image}"`);
      }, 1000);
      c.timers.push(t);
      return;
    }
    if (c.restarts === 0 && !c.log) {
      const always = c.spec.imagePullPolicy === 'Always';
      recordEvent(store, pod, always
        ? { reason: 'Pulled', message: `Successfully pulled image "${c.spec.image}" in 0s (0s including waiting). Image size: 0 bytes.`, container: c.spec.name }
        : { reason: 'Pulled', message: `Container image "${c.spec.image}" already present on machine`, container: c.spec.name });
    }
    const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: rt.name, HOME: '/root' };
    for (const e of c.spec.env ?? []) {
      if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, v: string) => env[v] ?? m);
      else if (e.valueFrom?.fieldRef) {
        const path: string = e.valueFrom.fieldRef.fieldPath;
        const cur = store.get('pods', rt.ns, rt.name) ?? pod;
        const val = path.split('.').reduce((o: any, key: string) => o?.[key], cur);
        if (path === 'status.podIP') env[e.name] = rt.sandbox.ip;
        else if (val !== undefined) env[e.name] = String(val);
      }
    }
    if (c.log) c.previousLog = c.log;
    const log = (c.log = new ContainerLog());
    const proc = dp.spawnInSandbox(rt.sandbox, argv, { env, cwd: c.spec.workingDir, stdin: !!c.spec.stdin });
    c.proc = proc;
    c.id = cid();
    c.startedAt = ts();
    c.ready = !c.spec.readinessProbe;
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      log.write('stdout', d);
      c.live.emit('data', d);
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      log.write('stderr', d);
      c.live.emit('data', d);
    });
    proc.once('error', (err) => log.write('stderr', `${err.message}\n`));
    recordEvent(store, pod, { reason: 'Created', message: `Created container ${c.spec.name}`, container: c.spec.name });
    recordEvent(store, pod, { reason: 'Started', message: `Started container ${c.spec.name}`, container: c.spec.name });
    proc.once('exit', (code, signal) => onExit(rt, c, proc, code, signal));
    sync(rt);
    startProbes(rt, c, proc);
  }

  function setStatusWaiting(rt: PodRuntime, c: Container, reason: string, message: string) {
    store.mutate('pods', rt.ns, rt.name, (p) => {
      const statuses: Obj[] = p.status.containerStatuses ?? [];
      const s = statuses.find((x) => x.name === c.spec.name);
      if (s) s.state = { waiting: { reason, message } };
      p.status.containerStatuses = statuses;
    });
  }

  function startProbes(rt: PodRuntime, c: Container, proc: ChildProcess) {
    const event = (e: { type?: 'Normal' | 'Warning'; reason: string; message: string }) => {
      const p = store.get('pods', rt.ns, rt.name);
      if (p) recordEvent(store, p, { ...e, container: c.spec.name });
    };
    scheduleProbes(c.spec, c.timers, {
      alive: () => c.proc === proc && proc.exitCode === null && proc.signalCode === null && !rt.stopping && !!rt.sandbox,
      probe: (probe) => runProbe(probe, c.spec, rt.sandbox!, dp),
      ready: () => c.ready,
      setReady: (ok) => {
        c.ready = ok;
        sync(rt);
      },
      event,
      kill: () => proc.kill('SIGTERM'),
    });
  }

  function onExit(rt: PodRuntime, c: Container, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    c.log?.end();
    for (const t of c.timers) clearTimeout(t);
    c.timers = [];
    const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
    c.lastTerminated = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: c.startedAt, finishedAt: ts(), containerID: c.id };
    c.proc = undefined;
    c.ready = false;
    if (rt.stopping) return;
    const pod = store.get('pods', rt.ns, rt.name);
    const policy = pod?.spec.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!pod || !restart) {
      sync(rt);
      return;
    }
    // The first restart comes quickly; then the back-off doubles from its base, capped at 5 minutes (CrashLoopBackOff).
    const delay = c.restarts === 0 ? backoff / 10 : Math.min(backoff * 2 ** (c.restarts - 1), 300_000);
    const t = setTimeout(() => {
      c.timers = c.timers.filter((x) => x !== t);
      c.restarts++;
      startContainer(rt, c);
    }, delay);
    c.timers.push(t);
    sync(rt);
    if (c.restarts > 0) recordEvent(store, pod, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.spec.name} in pod ${rt.name}_${rt.ns}(${rt.uid})`, container: c.spec.name });
  }

  async function startPod(pod: Obj) {
    const rt: PodRuntime = {
      key: k(pod.metadata.namespace, pod.metadata.name),
      ns: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      containers: new Map(),
      stopping: false,
      done: false,
    };
    pods.set(rt.key, rt);
    for (const spec of pod.spec.containers) rt.containers.set(spec.name, { spec, restarts: 0, ready: false, timers: [], live: new EventEmitter() });
    sync(rt, (p) => {
      p.status.containerStatuses = pod.spec.containers.map((c: Obj) => ({
        name: c.name, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: '', started: false,
      }));
    });
    try {
      rt.sandbox = await dp.createSandbox(pod.spec.nodeName, pod.metadata.name);
    } catch (err) {
      recordEvent(store, pod, { type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${(err as Error).message}` });
      return;
    }
    if (rt.stopping) return;
    const node = dp.nodes.find((n) => n.name === pod.spec.nodeName)!;
    store.mutate('pods', rt.ns, rt.name, (p) => {
      p.status.hostIP = node.address;
      p.status.hostIPs = [{ ip: node.address }];
      p.status.podIP = rt.sandbox!.ip;
      p.status.podIPs = [{ ip: rt.sandbox!.ip }];
      p.status.startTime = ts();
    });
    for (const c of rt.containers.values()) startContainer(rt, c);
  }

  async function stopPod(rt: PodRuntime, graceSeconds: number, removeObject: boolean) {
    if (rt.stopping) return;
    rt.stopping = true;
    const pod = store.get('pods', rt.ns, rt.name);
    const waits: Promise<void>[] = [];
    for (const c of rt.containers.values()) {
      for (const t of c.timers) clearTimeout(t);
      c.timers = [];
      const proc = c.proc;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) continue;
      if (pod) recordEvent(store, pod, { reason: 'Killing', message: `Stopping container ${c.spec.name}`, container: c.spec.name });
      waits.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => proc.kill('SIGKILL'), graceSeconds * 1000);
          proc.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          proc.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(waits);
    if (rt.sandbox) await dp.removeSandbox(rt.sandbox);
    rt.sandbox = undefined;
    pods.delete(rt.key);
    if (removeObject) {
      try {
        const cur = store.get('pods', rt.ns, rt.name);
        if (cur?.metadata.uid === rt.uid) store.delete('pods', rt.ns, rt.name);
      } catch {
        /* already gone */
      }
    }
  }

  const unsubscribe = store.onChange('pods', (e: WatchEvent) => {
    const pod = e.object;
    const key = k(pod.metadata.namespace, pod.metadata.name);
    const rt = pods.get(key);
    if (e.type === 'DELETED') {
      if (rt && rt.uid === pod.metadata.uid) void stopPod(rt, 0, false);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      if (rt && rt.uid === pod.metadata.uid) void stopPod(rt, pod.metadata.deletionGracePeriodSeconds ?? 30, true);
      else if (!rt) setImmediate(() => { try { store.delete('pods', pod.metadata.namespace, pod.metadata.name); } catch { /* gone */ } });
      return;
    }
    if (!pod.spec.nodeName) return void setImmediate(() => schedule(pod));
    if (!rt) void startPod(pod);
  });

  function runtime(ns: string, name: string, container: string | undefined): [PodRuntime, Container, Obj] {
    const pod = store.get('pods', ns, name);
    if (!pod) throw notFound('pods', name);
    const names: string[] = pod.spec.containers.map((c: Obj) => c.name);
    if (!container) {
      if (names.length > 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      container = names[0];
    }
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const rt = pods.get(k(ns, name));
    const c = rt?.containers.get(container);
    if (!rt || !c) throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    return [rt, c, pod];
  }

  return {
    logs(ns, name, o: LogOptions): Readable {
      const [, c, pod] = runtime(ns, name, o.container);
      const log = o.previous ? c.previousLog : c.log;
      if (!log) {
        if (o.previous) throw badRequest(`previous terminated container "${c.spec.name}" in pod "${name}" not found`);
        const waiting = (pod.status?.containerStatuses ?? []).find((s: Obj) => s.name === c.spec.name)?.state?.waiting?.reason ?? 'ContainerCreating';
        throw badRequest(`container "${c.spec.name}" in pod "${name}" is waiting to start: ${waiting}`);
      }
      return log.read(o);
    },
    exec(ns, name, container, argv, o) {
      const [rt, c] = runtime(ns, name, container);
      if (!rt.sandbox || !c.proc) throw badRequest(`container ${c.spec.name} is not running`);
      if (argv.length === 0) throw badRequest('you must specify at least one command for the container');
      return execInSandbox(dp, rt.sandbox, name, c.spec, argv, o);
    },
    attach(ns, name, container, o) {
      const [, c] = runtime(ns, name, container);
      if (!c.proc) throw badRequest(`container ${c.spec.name} is not running`);
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
      await Promise.all([...pods.values()].map((rt) => stopPod(rt, 2, false)));
    },
  };
}
