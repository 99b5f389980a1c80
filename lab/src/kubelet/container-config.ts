// A container's config as the kubelet builds it between pulling the image and creating the container: command
// and args with $(VAR) expanded, working directory, user and privileges (security.ts), root filesystem (rootfs.ts),
// and the environment in containerd's order. What the spec gets wrong is a ConfigError (CreateContainerConfigError).
import path from 'node:path';
import type { Obj } from '../store/index.ts';
import type { ContainerSpec } from '../net/index.ts';
import { containerArgv, resolveImage } from './images.ts';
import { BASE_PATH, ConfigError, expand, podEnv, stringList } from './env.ts';
import { containerSecurity } from './security.ts';
import { imageRootfs, podHostname } from './rootfs.ts';
import { terminalCommand } from './tty.ts';
import type { Container, PodRuntime, RunnerDeps } from './pod-runtime.ts';

/**
 * What the container runs and how (user, privileges, root filesystem) and the environment its process gets, or
 * the ConfigError the kubelet would give.
 */
export function containerConfig(deps: Pick<RunnerDeps, 'dp' | 'repoRoot'>, rt: PodRuntime, c: Container, pod: Obj, image: string): { spec: ContainerSpec; env: Record<string, string> } {
  const { dp } = deps;
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
