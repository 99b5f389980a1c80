// `kiada lab up | down | status | node-shell`: start the lab daemon in the background, stop it, look at it.
import fs from 'node:fs';
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ID, labPaths, validateId } from './paths.ts';
import { readState, isAlive, type LabState } from './state.ts';
import { checkPrivileges, cleanupLeftovers } from './net/index.ts';

const DAEMON = path.join(path.dirname(fileURLToPath(import.meta.url)), 'daemon.ts');

/** A problem the user can fix; the CLI prints its message as one line. */
export class LabError extends Error {}

export interface UpOptions {
  id?: string;
  kubeconfig?: string;
  /** How long to wait for the API and the nodes. */
  timeoutMs?: number;
}

export interface UpResult {
  kubeconfig: string;
  port: number;
  pid: number;
  alreadyRunning: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function running(id: string): LabState | null {
  const state = readState(labPaths(id).state);
  return state && isAlive(state.pid) ? state : null;
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function labUp(opts: UpOptions = {}): Promise<UpResult> {
  const id = validateId(opts.id ?? DEFAULT_ID);
  const paths = labPaths(id, opts.kubeconfig);
  const existing = running(id);
  if (existing) return { kubeconfig: existing.kubeconfig, port: existing.port, pid: existing.pid, alreadyRunning: true };

  const problem = await checkPrivileges();
  if (problem) throw new LabError(problem);
  // A daemon that died without cleaning (SIGKILL, power loss) may have left namespaces behind.
  await cleanupLeftovers(id);
  fs.rmSync(paths.state, { force: true });
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });

  const log = fs.openSync(paths.log, 'w');
  const kubeconfigExisted = fs.existsSync(paths.kubeconfig);
  const child = spawn(process.execPath, [DAEMON, '--id', id, '--kubeconfig', paths.kubeconfig], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, KIADA_LAB_HOME: paths.home },
  });
  fs.closeSync(log);
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));

  // Ctrl-C (or SIGTERM) while the lab is starting cancels it: the daemon is stopped and whatever it had made
  // so far is removed, then this process ends as a signalled one would (130/143). A lab is never half-started.
  let cancelling: Promise<never> | undefined;
  const cancel = (signal: NodeJS.Signals) => {
    if (cancelling) return; // a second Ctrl-C while cleaning up changes nothing
    cancelling = (async (): Promise<never> => {
      if (child.pid && exited === null) process.kill(child.pid, 'SIGTERM');
      const until = Date.now() + 15_000;
      while (exited === null && Date.now() < until) await sleep(20);
      if (exited === null && child.pid) process.kill(child.pid, 'SIGKILL');
      await labDown({ id });
      if (!kubeconfigExisted) fs.rmSync(paths.kubeconfig, { force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    })();
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      const state = readState(paths.state);
      if (state && state.pid === child.pid) {
        return { kubeconfig: state.kubeconfig, port: state.port, pid: state.pid, alreadyRunning: false };
      }
      if (exited !== null) throw new LabError(`the lab failed to start (exit code ${exited}):\n${tail(paths.log)}`);
      if (Date.now() > deadline) {
        if (child.pid) process.kill(child.pid, 'SIGTERM');
        throw new LabError(`the lab did not become ready in time; see ${paths.log}:\n${tail(paths.log)}`);
      }
      await sleep(50);
      if (cancelling) await cancelling; // never returns: the process ends once the cleanup is done
    }
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

export interface DownResult {
  wasRunning: boolean;
}

export async function labDown(opts: { id?: string } = {}): Promise<DownResult> {
  const id = validateId(opts.id ?? DEFAULT_ID);
  const paths = labPaths(id);
  const state = readState(paths.state);
  let wasRunning = false;
  if (state && isAlive(state.pid)) {
    wasRunning = true;
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (isAlive(state.pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  // Whatever the daemon could not remove (it was SIGKILLed, or it crashed) goes now.
  await cleanupLeftovers(id);
  if (state?.kubeconfig && state.kubeconfig !== paths.kubeconfig) fs.rmSync(state.kubeconfig, { force: true });
  fs.rmSync(paths.home, { recursive: true, force: true });
  return { wasRunning };
}

export interface StatusResult {
  running: boolean;
  id: string;
  state?: LabState;
}

export function labStatus(opts: { id?: string } = {}): StatusResult {
  const id = validateId(opts.id ?? DEFAULT_ID);
  const state = running(id);
  return state ? { running: true, id, state } : { running: false, id };
}

/** A process on a lab node (the lab's `docker exec -it kind-worker bash`): its network and UTS namespaces. */
export function nodeShellSpawn(opts: { id?: string; node: string; argv?: string[]; stdio?: StdioOptions }): ChildProcess {
  const id = validateId(opts.id ?? DEFAULT_ID);
  const state = running(id);
  if (!state) throw new LabError(`the lab "${id}" is not running: start it with \`kiada lab up\``);
  const node = state.nodes.find((n) => n.name === opts.node);
  if (!node) throw new LabError(`node "${opts.node}" not found; nodes: ${state.nodes.map((n) => n.name).join(', ')}`);
  const argv = opts.argv && opts.argv.length > 0 ? opts.argv : ['/bin/bash', '-l'];
  return spawn('nsenter', ['-t', String(node.agentPid), '-n', '-u', '--', ...argv], {
    stdio: opts.stdio ?? 'inherit',
    env: { ...process.env, PS1: `root@${node.name}:\\w# ` },
  });
}

export function nodeShell(opts: { id?: string; node: string; argv?: string[] }): Promise<number> {
  const child = nodeShellSpawn(opts);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
