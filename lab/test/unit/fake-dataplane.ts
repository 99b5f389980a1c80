// The dataplane as the kubelet sees it, without root: sandboxes are records, processes are real local processes
// started through `env` (as the real dataplane starts them through `nsenter`: the wrapper always exists, the
// command is looked up by it, a missing working directory fails the spawn), connections are refused and counted.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { Dataplane, NodeInfo, Sandbox } from '../../src/net/index.ts';

// Absolute, as Node looks a command up in the child's own PATH, which a pod spec may change.
const ENV = execFileSync('sh', ['-c', 'command -v env'], { encoding: 'utf8' }).trim();

export interface FakeDataplane extends Dataplane {
  /** Every process spawned in a sandbox, in order. */
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
  }));
  let counter = 0;
  const procs = new Map<string, ChildProcess[]>();
  const kill = (list: ChildProcess[]) => list.forEach((p) => p.exitCode === null && p.signalCode === null && p.kill('SIGKILL'));
  const refused = (host: string, port: number) =>
    Promise.reject(Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' })) as Promise<Duplex>;
  const dp: FakeDataplane = {
    nodes,
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
      return { key, node, ip: `10.244.${n.index}.${counter + 1}`, netns: `kiada-fake-${key}`, agentPid: 0 } satisfies Sandbox;
    },
    async removeSandbox(sb) {
      kill(procs.get(sb.key) ?? []);
      procs.delete(sb.key);
      await new Promise((r) => setTimeout(r, dp.removeMs));
      dp.live.delete(sb.key);
    },
    spawnInSandbox(sb, argv, o) {
      const proc = spawn(ENV, ['--', ...argv], { cwd: o.cwd ?? '/', env: o.env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      dp.spawned.push({ argv, cwd: o.cwd, env: o.env, proc });
      procs.set(sb.key, [...(procs.get(sb.key) ?? []), proc]);
      return proc;
    },
    spawnOnNode(_node, argv, o = {}) {
      return spawn(ENV, ['--', ...argv], { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    },
    connectInPod: (_sb, port) => refused('127.0.0.1', port),
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
