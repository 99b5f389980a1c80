// The dataplane as the kubelet sees it, without root: sandboxes are records, containers are real local processes
// started through `env` on the host's filesystem (no root filesystem of their own: the image's rootfs is ignored),
// after the checks the real sandbox runs in the container, worded as runc words them (the working directory —
// which the fake cannot make, so a missing one runs in / — and the command's lookup in $PATH); connections are
// refused and counted.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { ContainerStartError, type Dataplane, type NodeInfo, type Sandbox } from '../../src/net/index.ts';

// Absolute, as Node looks a command up in the child's own PATH, which a pod spec may change.
const ENV = execFileSync('sh', ['-c', 'command -v env'], { encoding: 'utf8' }).trim();

export interface FakeDataplane extends Dataplane {
  /** Every container and exec process started, in order. */
  spawned: { argv: string[]; cwd?: string; env: Record<string, string>; proc: ChildProcess }[];
  /** Connections attempted from the nodes (probes). */
  connects: number;
  /** Sandboxes that exist now. */
  live: Set<string>;
  /** The next createSandbox calls fail with this message. */
  failSandbox?: string;
  /** How long making a sandbox takes. */
  createMs: number;
  /** How long removing a sandbox takes (the real one runs `ip` several times). */
  removeMs: number;
}

export function fakeDataplane(): FakeDataplane {
  const nodes: NodeInfo[] = ['kind-control-plane', 'kind-worker', 'kind-worker2'].map((name, index) => ({
    name,
    index,
    address: `172.18.0.${index + 2}`,
    podCIDR: `10.244.${index}.0/24`,
    netns: `kiada-fake-n${index}`,
    agentPid: 0,
    ns: { net: `/run/netns/kiada-fake-n${index}`, uts: '', ipc: '' },
  }));
  let counter = 0;
  const procs = new Map<string, ChildProcess[]>();
  const kill = (list: ChildProcess[]) => list.forEach((p) => p.exitCode === null && p.signalCode === null && p.kill('SIGKILL'));
  const refused = (host: string, port: number) =>
    Promise.reject(Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' })) as Promise<Duplex>;
  const dp: FakeDataplane = {
    nodes,
    nodesReady: Promise.resolve(),
    spawned: [],
    connects: 0,
    live: new Set(),
    createMs: 5,
    removeMs: 0,
    async createSandbox(node, _hostname) {
      await new Promise((r) => setTimeout(r, dp.createMs));
      if (dp.failSandbox) throw new Error(dp.failSandbox);
      const n = nodes.find((x) => x.name === node);
      if (!n) throw new Error(`node ${node} not found`);
      const key = `p${++counter}`;
      dp.live.add(key);
      return { key, node, ip: `10.244.${n.index}.${counter + 1}`, netns: `kiada-fake-${key}`, ns: { net: `/run/netns/kiada-fake-${key}`, uts: '', ipc: '', user: '' } } satisfies Sandbox;
    },
    async removeSandbox(sb) {
      kill(procs.get(sb.key) ?? []);
      procs.delete(sb.key);
      await new Promise((r) => setTimeout(r, dp.removeMs));
      dp.live.delete(sb.key);
    },
    async startContainer(sb, spec) {
      const why = startCheck(spec.argv, spec.cwd, spec.env);
      if (why) throw new ContainerStartError(why);
      const cwd = fs.existsSync(spec.cwd) ? spec.cwd : '/';
      const proc = spawn(ENV, ['--', ...spec.argv], { cwd, env: spec.env, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      dp.spawned.push({ argv: spec.argv, cwd: spec.cwd, env: spec.env, proc });
      procs.set(sb.key, [...(procs.get(sb.key) ?? []), proc]);
      return proc;
    },
    execInContainer(container, argv, o) {
      if (container.exitCode !== null || container.signalCode !== null) throw new Error('the container is not running');
      const why = lookupCheck(o.lookup ?? argv[0] ?? '', '/', o.env);
      const proc = spawn(ENV, ['--', ...argv], { env: o.env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      dp.spawned.push({ argv, env: o.env, proc });
      return Object.assign(proc, { started: why ? Promise.reject(new ContainerStartError(why)) : Promise.resolve() });
    },
    // The fake runs no image: a layer is never filled.
    imageLayer: (name) => `/nonexistent/kiada-fake-layers/${name}`,
    spawnOnNode(_node, argv, o = {}) {
      return spawn(ENV, ['--', ...argv], { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    },
    connectInPod: (_sb, port) => refused('127.0.0.1', port),
    podAgentPid: async () => undefined,
    connectFromNode(_node, host, port) {
      dp.connects++;
      return refused(host, port);
    },
    async destroy() {
      for (const list of procs.values()) kill(list);
      procs.clear();
      dp.live.clear();
    },
  };
  return dp;
}

// Go's errno texts, as runc prints them.
const ERRNO: Record<string, string> = { ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', EACCES: 'permission denied' };
const errnoText = (err: unknown) => ERRNO[(err as NodeJS.ErrnoException).code ?? ''] ?? (err as Error).message;

/** Go's exec.findExecutable (Go 1.22 on): undefined when `file` can be run, else why not. */
function whyNotExecutable(file: string, shown: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    return `stat ${shown}: ${errnoText(err)}`;
  }
  if (st.isDirectory()) return 'is a directory';
  return (st.mode & 0o111) !== 0 ? undefined : 'permission denied';
}

/** runc's cause for what it would refuse (on the host's filesystem here), or undefined. */
function startCheck(argv: string[], cwd: string, env: Record<string, string>): string | undefined {
  // runc makes a missing working directory (MkdirAll): only a part that is not a directory fails.
  for (let dir = cwd; dir !== '/'; dir = path.dirname(dir)) {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) return `mkdir ${dir}: not a directory`;
  }
  return lookupCheck(argv[0] ?? '', cwd, env);
}

/** Go's exec.LookPath as runc runs it: runc's cause when `file` would not be found, else undefined. */
function lookupCheck(file: string, cwd: string, env: Record<string, string>): string | undefined {
  if (file.includes('/')) {
    const why = whyNotExecutable(path.resolve(cwd, file), file);
    return why && `exec: ${JSON.stringify(file)}: ${why}`;
  }
  if (file !== '' && env.PATH) {
    for (const dir of env.PATH.split(':')) if (!whyNotExecutable(path.resolve(cwd, dir || '.', file), file)) return undefined;
  }
  return `exec: ${JSON.stringify(file)}: executable file not found in $PATH`;
}
