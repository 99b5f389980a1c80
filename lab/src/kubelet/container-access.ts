// What the API server asks of a pod's containers through the kubelet: logs, exec, attach and port-forward, with the
// kubelet's refusals (no such container, several to choose from, not running yet, no log yet) as ApiErrors.
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { ApiError, badRequest, notFound, type Obj, type Store } from '../store/index.ts';
import type { Dataplane } from '../net/index.ts';
import type { Kubelet, LogOptions } from './types.ts';
import { execInContainer } from './exec.ts';
import { attachTo } from './attach.ts';
import { baseEnv } from './env.ts';
import { podKey } from './pod-lifecycle.ts';
import { running, type Container, type PodRuntime } from './pod-runtime.ts';

// The kubelet's words for a container with no log yet (validateContainerLogStatus).
const WAITING_LOG: Record<string, string> = { ErrImagePull: "image can't be pulled", ImagePullBackOff: 'trying and failing to pull image' };

export function containerAccess(store: Store, dp: Dataplane, pods: Map<string, PodRuntime>): Omit<Kubelet, 'stop'> {
  function runtime(ns: string, name: string, container: string | undefined): [PodRuntime, Container] {
    const pod = store.get('pods', ns, name);
    if (!pod) throw notFound('pods', name);
    const names: string[] = (Array.isArray(pod.spec?.containers) ? pod.spec.containers : []).map((c: Obj) => String(c?.name));
    if (!container) {
      if (names.length > 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      container = names[0];
    }
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const rt = pods.get(podKey(ns, name));
    const c = rt && rt.uid === pod.metadata.uid ? rt.containers.get(container) : undefined;
    if (!rt || !c) throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    return [rt, c];
  }

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
      const rt = pods.get(podKey(ns, name));
      if (!rt?.sandbox) throw new ApiError(400, 'BadRequest', `pod ${name} is not running`);
      try {
        return await dp.connectInPod(rt.sandbox, port);
      } catch (err) {
        // The CRI's wording: the pod is named by its sandbox id, which is 64 hex digits.
        const sandboxId = createHash('sha256').update(rt.uid).digest('hex');
        throw new Error(`error forwarding port ${port} to pod ${sandboxId}, uid : ${(err as Error).message}`);
      }
    },
  };
}
