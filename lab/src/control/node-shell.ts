// `kiada lab node-shell`: a shell (or a command) in a lab node's network and UTS namespaces.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { resolveLabId } from '../paths.ts';
import { isSameProcess } from '../proc.ts';
import { agentIdentity, isLive, readOwner } from '../registry.ts';
import { LabError } from '../errors.ts';
import { exitCodeOf } from '../exit-code.ts';
import type { LabOptions } from './common.ts';

/** A process on a lab node (the lab's `docker exec -it kind-worker bash`): its network and UTS namespaces. */
export function nodeShellSpawn(opts: LabOptions & { node: string; argv?: string[]; stdio?: StdioOptions }): ChildProcess {
  const id = resolveLabId(opts.id);
  const r = readOwner(id);
  if (!isLive(r) || !r.ready) throw new LabError(`the lab "${id}" is not running: start it with \`kiada lab up\``);
  const node = r.nodes.find((n) => n.name === opts.node);
  if (!node) throw new LabError(`node "${opts.node}" not found; nodes: ${r.nodes.map((n) => n.name).join(', ')}`);
  // Its namespaces are entered through the agent's PID: only while that PID is still the agent.
  if (!isSameProcess(agentIdentity(node))) {
    throw new LabError(`node "${opts.node}" of the lab "${id}" is not running (its agent, pid ${node.agentPid}, is gone): restart the lab with \`kiada lab down\` and \`kiada lab up\``);
  }
  const argv = opts.argv && opts.argv.length > 0 ? opts.argv : ['/bin/bash', '-l'];
  return spawn('nsenter', ['-t', String(node.agentPid), '-n', '-u', '--', ...argv], {
    stdio: opts.stdio ?? 'inherit',
    env: { ...process.env, PS1: `root@${node.name}:\\w# ` },
  });
}

export function nodeShell(opts: LabOptions & { node: string; argv?: string[] }): Promise<number> {
  const child = nodeShellSpawn(opts);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
}
