// `kiada lab up | down | status | node-shell`: start the lab daemon in the background, stop it, look at it.
// Who owns a lab id is the registry's answer (/run/kiada/<id>/owner.json, root's): a lab is running only while the
// PID it names is still that daemon (start time and command line), it is stopped only from its own state
// directory, and only the files its record names are removed.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalDir, labPaths, resolveLabId } from './paths.ts';
import { invokingUser, type Invoker } from './invoker.ts';
import { ensureOwnedDir, OwnedDir, removeEmptyDir } from './owned-dir.ts';
import { isSameProcess, signalIfSame } from './proc.ts';
import { agentIdentity, daemonIdentity, isLive, readOwner, releaseOwner, removeOrphanRegistry, type OwnerRecord } from './registry.ts';
import { prepareKubeconfig, removeKubeconfig } from './api/kubeconfig.ts';
import { checkPrivileges, cleanupLeftovers, labNamespaces } from './net/index.ts';
import { LabError } from './errors.ts';
import { exitCodeOf } from './exit-code.ts';

// What the CLI needs besides the verbs: the lab id it acts on, and where that lab keeps its files.
export { LabError, resolveLabId, labPaths };

const DAEMON = path.join(path.dirname(fileURLToPath(import.meta.url)), 'daemon.ts');
const STATE_DIR = "the lab's state directory";

export interface LabOptions {
  /** --lab-id; else $KIADA_LAB_ID, else "lab". */
  id?: string;
  /** The state directory; else $KIADA_LAB_HOME, else ~/.kiada/lab/<id> of the invoking user. */
  home?: string;
}

export interface UpOptions extends LabOptions {
  kubeconfig?: string;
  /** How long to wait for the API and the nodes. */
  timeoutMs?: number;
}

export interface UpResult {
  id: string;
  kubeconfig: string;
  port: number;
  pid: number;
  alreadyRunning: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const whose = (r: OwnerRecord) => `${r.user.name} (pid ${r.pid}, state in ${r.stateDir})`;

function tail(dir: OwnedDir, name: string, lines = 15): string {
  return (dir.readOwnFile(name) ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A live lab of this id: ours (same state directory) is already running; anyone else's is a one-line refusal. */
function alreadyRunning(id: string, r: OwnerRecord, stateDir: string): UpResult {
  if (r.stateDir !== stateDir) {
    throw new LabError(`the lab "${id}" is already running for ${whose(r)}: choose another id with --lab-id or KIADA_LAB_ID`);
  }
  return { id, kubeconfig: r.kubeconfig, port: r.port, pid: r.pid, alreadyRunning: true };
}

export async function labUp(opts: UpOptions = {}): Promise<UpResult> {
  const id = resolveLabId(opts.id);
  const paths = labPaths(id, opts);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  // A lab of this id that is still starting (another `lab up`) is waited for, then judged as a running one.
  for (let r = readOwner(id); isLive(r); r = readOwner(id)) {
    if (r.ready || r.stateDir !== canonicalDir(paths.home)) return alreadyRunning(id, r, canonicalDir(paths.home));
    if (Date.now() > deadline) throw new LabError(`the lab "${id}" (pid ${r.pid}) is still starting; see ${path.join(r.stateDir, 'daemon.log')}`);
    await sleep(100);
  }

  const problem = await checkPrivileges();
  if (problem) throw new LabError(problem);
  const who = invokingUser();
  const madeHome = ensureHome(paths.home, who);
  const home = OwnedDir.open(paths.home, who, STATE_DIR);
  const stateDir = canonicalDir(paths.home);
  let child: ChildProcess;
  let kubeconfigExisted: boolean;
  try {
    kubeconfigExisted = prepareKubeconfig(paths.kubeconfig, who).existed;
    const log = home.create('daemon.log');
    child = spawn(
      process.execPath,
      [DAEMON, '--id', id, '--home', stateDir, '--kubeconfig', paths.kubeconfig, '--uid', String(who.uid), '--gid', String(who.gid), '--user', who.name],
      { detached: true, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
  } catch (err) {
    home.close();
    if (madeHome) removeEmptyDir(paths.home, who);
    throw err;
  }
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  const pid = child.pid!;

  // Ctrl-C (or SIGTERM) while the lab is starting cancels it: the daemon is stopped and whatever it had made
  // so far is removed, then this process ends as a signalled one would (130/143). A lab is never half-started.
  let cancelling: Promise<never> | undefined;
  const cancel = (signal: NodeJS.Signals) => {
    if (cancelling) return; // a second Ctrl-C while cleaning up changes nothing
    cancelling = (async (): Promise<never> => {
      if (exited === null) child.kill('SIGTERM');
      const until = Date.now() + 15_000;
      while (exited === null && Date.now() < until) await sleep(20);
      if (exited === null) child.kill('SIGKILL');
      await labDown({ id, home: paths.home });
      if (!kubeconfigExisted) removeKubeconfig(paths.kubeconfig, who);
      if (madeHome) removeEmptyDir(paths.home, who);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    })();
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  try {
    for (;;) {
      const r = readOwner(id);
      if (r && r.pid === pid && r.ready && isLive(r)) return { id, kubeconfig: r.kubeconfig, port: r.port, pid, alreadyRunning: false };
      if (exited !== null) {
        // Another `lab up` of this id may have claimed it first: then this is that lab's answer.
        if (isLive(r) && r.pid !== pid) return alreadyRunning(id, r, stateDir);
        throw new LabError(`the lab failed to start (exit code ${exited}):\n${tail(home, 'daemon.log')}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new LabError(`the lab did not become ready in time; see ${paths.log}:\n${tail(home, 'daemon.log')}`);
      }
      await sleep(50);
      if (cancelling) await cancelling; // never returns: the process ends once the cleanup is done
    }
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    home.close();
  }
}

/** Makes the state directory (as the invoking user, 0700) if missing; true if it did. */
function ensureHome(dir: string, who: Invoker): boolean {
  const missing = !fs.existsSync(dir);
  if (missing) ensureOwnedDir(dir, who, STATE_DIR);
  return missing;
}

export interface DownResult {
  wasRunning: boolean;
}

/**
 * Stops the lab of this id if it was started from this state directory (anyone else's is a one-line refusal),
 * signalling only a PID that is still its daemon; then removes the id's namespaces (no live daemon owns them any
 * more), its registry entry, the kubeconfig its record names and the state directory's own files.
 */
export async function labDown(opts: LabOptions = {}): Promise<DownResult> {
  const id = resolveLabId(opts.id);
  const paths = labPaths(id, opts);
  const stateDir = canonicalDir(paths.home);
  const r = readOwner(id);
  if (isLive(r) && r.stateDir !== stateDir) {
    throw new LabError(`the lab "${id}" is running for ${whose(r)}, not from ${stateDir}: only its owner stops it (lab down with that state directory)`);
  }
  if (r || (await labNamespaces(id)).length > 0) {
    const problem = await checkPrivileges();
    if (problem) throw new LabError(problem);
  }
  let wasRunning = false;
  if (r && isLive(r)) {
    wasRunning = true;
    const daemon = daemonIdentity(r);
    signalIfSame(daemon, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (isSameProcess(daemon) && Date.now() < deadline) await sleep(50);
    if (signalIfSame(daemon, 'SIGKILL')) while (isSameProcess(daemon)) await sleep(20);
  }
  // Whatever the daemon could not remove (it was SIGKILLed, or it crashed) goes now — unless a new daemon has
  // claimed the id meanwhile: then the namespaces are that one's.
  if (!isLive(readOwner(id))) await cleanupLeftovers(id);
  if (r) releaseOwner(r);
  else removeOrphanRegistry(id);

  const who = invokingUser();
  // The kubeconfig the record names, if the lab was ours; a record of someone else's dead lab leaves their files.
  if (r && r.stateDir === stateDir) removeKubeconfig(r.kubeconfig, r.user);
  removeStateFiles(paths.home, who);
  return { wasRunning };
}

/** The state directory's own files (fixed names, in a directory checked to be the caller's), then the directory if empty. */
function removeStateFiles(dir: string, who: Invoker): void {
  if (!fs.existsSync(dir)) return;
  const home = OwnedDir.open(dir, who, STATE_DIR);
  try {
    home.remove('daemon.log');
    home.remove('state.json'); // written by earlier versions
  } finally {
    home.close();
  }
  removeKubeconfig(path.join(dir, 'kubeconfig'), who);
  removeEmptyDir(dir, who);
}

export interface StatusResult {
  running: boolean;
  id: string;
  /** Started from this state directory (false: someone else's lab of the same id). */
  mine?: boolean;
  state?: OwnerRecord;
  /** A record whose daemon is gone (SIGKILLed; its PID may belong to another process now). */
  stale?: OwnerRecord;
}

export function labStatus(opts: LabOptions = {}): StatusResult {
  const id = resolveLabId(opts.id);
  const r = readOwner(id);
  if (isLive(r) && r.ready) return { running: true, id, mine: r.stateDir === canonicalDir(labPaths(id, opts).home), state: r };
  return r && !isLive(r) ? { running: false, id, stale: r } : { running: false, id };
}

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
