// A container's start on the kubelet: image, config, create, start. What cannot be done becomes the container's
// waiting reason and a Warning event, in the kubelet's words: InvalidImageName, ErrImagePull/ImagePullBackOff,
// CreateContainerConfigError (retried at each sync), RunContainerError with a StartError termination. The process,
// once started, is container-process.ts's; its end and restart are restart-backoff.ts's.
import { randomBytes } from 'node:crypto';
import { checkImage, pullImage, ImagePullError, InvalidImageError } from './images.ts';
import { ContainerLog } from './logs.ts';
import { ConfigError } from './env.ts';
import { runcFailure, type StartError } from './start-check.ts';
import { now } from './status.ts';
import { containerConfig } from './container-config.ts';
import { started } from './container-process.ts';
import { afterEnd } from './restart-backoff.ts';
import type { Container, PodRuntime, Runner, RunnerDeps } from './pod-runtime.ts';

const cid = () => `containerd://${randomBytes(32).toString('hex')}`;
// containerd reports a container that never started as started at the Unix epoch.
const NEVER = '1970-01-01T00:00:00Z';

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
      config = containerConfig(deps, rt, c, pod, image);
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
        started(runner, rt, c, proc, log);
      }),
      (err) => safely(`start ${rt.key}/${c.name}`, () => {
        c.starting = undefined;
        if (rt.stopping || !current(rt)) return;
        startFailed(rt, c, runcFailure((err as Error).message));
      }),
    );
  }

  /** Created, but runc could not start it: the kubelet's RunContainerError, with a StartError termination. */
  function startFailed(rt: PodRuntime, c: Container, err: StartError) {
    c.log?.end();
    c.proc = undefined;
    c.ready = false;
    c.lastTerminated = { exitCode: 128, reason: 'StartError', message: err.message, startedAt: NEVER, finishedAt: now(), containerID: c.id };
    event(rt, { type: 'Warning', reason: 'Failed', message: `Error: ${err.message}`, container: c.name });
    afterEnd(runner, rt, c, 128, err.message);
  }

  const runner: Runner = {
    ...deps,
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
  return { start: runner.start };
}

