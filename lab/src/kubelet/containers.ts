// A container's life on the kubelet: image, config, create, start, probes, exit and restart with back-off. What
// cannot be done becomes the container's waiting reason and a Warning event, in the kubelet's words:
// InvalidImageName, ErrImagePull/ImagePullBackOff, CreateContainerConfigError (retried at each sync),
// RunContainerError with a StartError termination, CrashLoopBackOff.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Obj } from '../store/index.ts';
import type { ContainerSpec, Dataplane, Sandbox } from '../net/index.ts';
import { checkImage, containerArgv, pullImage, resolveImage, ImagePullError, InvalidImageError } from './images.ts';
import { ContainerLog } from './logs.ts';
import type { recordEvent } from './events.ts';
import { runProbe, scheduleProbes } from './probes.ts';
import { BASE_PATH, ConfigError, expand, podEnv, stringList } from './env.ts';
import { runcFailure, type StartError } from './start-check.ts';
import { containerSecurity } from './security.ts';
import { imageRootfs, podHostname } from './rootfs.ts';
import { goDuration, now } from './status.ts';
import { exitCodeOf } from '../exit-code.ts';
import { seconds, Timers } from './timers.ts';
import { signalTerminal, terminalCommand } from './tty.ts';

const cid = () => `containerd://${randomBytes(32).toString('hex')}`;
// containerd reports a container that never started as started at the Unix epoch.
const NEVER = '1970-01-01T00:00:00Z';

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

/** `report` gives the handler for what its timers' callbacks throw. */
export function newContainer(rt: PodRuntime, spec: Obj, name: string, report: RunnerDeps['report']): Container {
  return { spec, name, restarts: 0, ready: false, timers: new Timers(report(`container ${rt.key}/${name}`)), observed: false };
}

export function createContainerRunner(deps: RunnerDeps): { start(rt: PodRuntime, c: Container): void } {
  const { dp, backoff, current, event, sync, safely } = deps;

  /** A failure no container was made for (bad config, bad image name): the kubelet retries it at every sync. */
  function waitAndRetry(rt: PodRuntime, c: Container, reason: string, message: string) {
    c.waiting = { reason, message };
    sync(rt);
    c.timers.after(backoff, () => runner.start(rt, c));
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

  /**
   * What the container runs and how (user, privileges, root filesystem) and the environment its process gets, or
   * the ConfigError the kubelet would give.
   */
  function containerConfig(rt: PodRuntime, c: Container, pod: Obj, image: string): { spec: ContainerSpec; env: Record<string, string> } {
    const sandbox = rt.sandbox!;
    const vars = podEnv(c.spec, pod, { podIP: sandbox.ip, hostIP: dp.nodes.find((n) => n.name === rt.node)?.address ?? '' });
    const command = stringList(c.spec.command, 'command', c.name)?.map((a) => expand(a, vars));
    const args = stringList(c.spec.args, 'args', c.name)?.map((a) => expand(a, vars));
    const wd: unknown = c.spec.workingDir;
    if (wd !== undefined && wd !== null && typeof wd !== 'string') throw new ConfigError(`invalid workingDir for container "${c.name}": ${JSON.stringify(wd)} is not a string`);
    const entry = resolveImage(image);
    const sec = containerSecurity(pod, c.spec, entry);
    // A hostNetwork pod has its node's hostname (and /etc/hosts).
    const hostname = sandbox.hostNetwork ? rt.node : podHostname(pod);
    const tty = c.spec.tty === true;
    // As containerd orders them: PATH, HOSTNAME, the image's ENV, TERM=xterm with a terminal (WithTTY), the pod's
    // env (a name keeps its first place, a TERM there wins), and HOME from the user's passwd entry when nobody set it.
    const env: Record<string, string> = { PATH: entry.env.PATH ?? BASE_PATH, HOSTNAME: hostname, ...entry.env, ...(tty ? { TERM: 'xterm' } : {}) };
    for (const [k, v] of Object.entries(vars)) env[k] = v;
    env.HOME ??= sec.home;
    const argv = containerArgv(image, command, args);
    // With tty the process's stdin, stdout and stderr are a terminal (tty.ts's relay runs it); its input stays open
    // even without spec.stdin (then nobody can type on it), so a shell on it waits instead of reading an end of file.
    const run = tty ? terminalCommand(argv, env) : { argv, env };
    const spec: ContainerSpec = {
      argv: run.argv,
      env: run.env,
      lookup: argv[0] ?? '',
      cwd: wd ? path.posix.resolve('/', wd) : entry.workdir,
      stdin: tty || c.spec.stdin === true,
      user: { uid: sec.uid, gid: sec.gid, groups: sec.groups },
      capabilities: sec.capabilities,
      noNewPrivs: sec.noNewPrivs,
      readOnlyRoot: sec.readOnlyRoot,
      rootfs: imageRootfs(entry, pod, { hostname, podIP: sandbox.ip, hostNetwork: !!sandbox.hostNetwork, repoRoot: deps.repoRoot, layer: (name, fill) => dp.imageLayer(name, fill) }),
    };
    return { spec, env };
  }

  function startContainer(rt: PodRuntime, c: Container) {
    const pod = current(rt);
    if (!pod || rt.stopping || !rt.sandbox || c.starting) return;
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
    // The sandbox makes the container and runs runc's last checks inside it (working directory, command lookup).
    const starting = (c.starting = dp.startContainer(rt.sandbox, config.spec));
    starting.then(
      (proc) => safely(`start ${rt.key}/${c.name}`, () => {
        c.starting = undefined;
        if (rt.stopping || !current(rt)) return void proc.kill('SIGKILL');
        started(rt, c, proc, log);
      }),
      (err) => safely(`start ${rt.key}/${c.name}`, () => {
        c.starting = undefined;
        if (rt.stopping || !current(rt)) return;
        startFailed(rt, c, runcFailure((err as Error).message));
      }),
    );
  }

  function started(rt: PodRuntime, c: Container, proc: ChildProcess, log: ContainerLog) {
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
      return onExit(rt, c, proc, proc.exitCode, proc.signalCode);
    }
    proc.once('exit', (code, signal) => safely(`exit of ${rt.key}/${c.name}`, () => onExit(rt, c, proc, code, signal)));
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
    if (deps.relistMs > 0) c.timers.after(deps.relistMs, observe);
    else observe();
    startProbes(rt, c, proc);
  }

  function startProbes(rt: PodRuntime, c: Container, proc: ChildProcess) {
    scheduleProbes(c.spec, c.timers, {
      alive: () => c.proc === proc && running(c) && !rt.stopping && !!rt.sandbox,
      probe: (probe) => runProbe(probe, c.spec, rt.sandbox!, dp, { container: proc, env: c.env ?? {} }),
      ready: () => c.ready,
      setReady: (ok) => {
        c.ready = ok;
        sync(rt);
      },
      event: (e) => event(rt, { ...e, container: c.name }),
      // As the kubelet kills a container: SIGTERM, then SIGKILL once the grace period is over (a PID 1 without a
      // SIGTERM handler, such as sleep, ignores SIGTERM).
      kill: () => {
        signalContainer(c, 'SIGTERM');
        const grace = seconds(c.spec.livenessProbe?.terminationGracePeriodSeconds ?? current(rt)?.spec?.terminationGracePeriodSeconds, 30, 0);
        c.timers.after(grace * 1000, () => void proc.kill('SIGKILL'));
      },
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
      runner.start(rt, c);
    });
    sync(rt);
  }

  const runner = {
    start(rt: PodRuntime, c: Container) {
      try {
        startContainer(rt, c);
      } catch (err) {
        // A failure the kubelet has no word for is still the container's status, not an exception.
        deps.report(`start ${rt.key}/${c.name}`)(err);
        waitAndRetry(rt, c, 'CreateContainerConfigError', (err as Error)?.message ?? String(err));
      }
    },
  };
  return runner;
}

// Output that a process left to children of its own may never close: the end comes with the process's, at most
// a moment after it, as a runtime's streams end with the container.
const OUTPUT_GRACE_MS = 200;
function outputEnds(proc: ChildProcess, fn: () => void) {
  let done = false;
  const once = () => {
    if (!done) (done = true), fn();
  };
  proc.once('close', once);
  proc.once('exit', () => setTimeout(once, OUTPUT_GRACE_MS).unref());
}
