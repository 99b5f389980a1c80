// `kiada lab up`: start the lab daemon in the background and wait until its API and nodes are ready.
// Who owns a lab id is the registry's answer (/run/kiada/<id>/owner.json, root's): a lab of this id that is live
// is either ours (already running) or someone else's (a refusal).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalDir, labPaths, resolveLabId } from '../paths.ts';
import { invokingUser, type Invoker } from '../invoker.ts';
import { ensureOwnedDir, OwnedDir, removeEmptyDir } from '../owned-dir.ts';
import { daemonCompileCache, isLive, readOwner, type OwnerRecord } from '../registry.ts';
import { prepareKubeconfig, removeKubeconfig } from '../api/kubeconfig.ts';
import { checkPrivileges } from '../net/index.ts';
import { LabError } from '../errors.ts';
import { checkListen, DEFAULT_HOST, hostPort, parseListen, serverUrl, type Listen } from '../listen.ts';
import { sleep, STATE_DIR, whose, type LabOptions } from './common.ts';
import { labDown } from './down.ts';

const DAEMON = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'daemon.ts');

/** The daemon's environment: ours, with Node's compile cache in root's own directory when there is one. */
function daemonEnv(): NodeJS.ProcessEnv {
  const cache = daemonCompileCache();
  const env = { ...process.env };
  delete env.NODE_COMPILE_CACHE; // never one that someone else chose
  return cache ? { ...env, NODE_COMPILE_CACHE: cache } : env;
}

export interface UpOptions extends LabOptions {
  kubeconfig?: string;
  /** `--listen ADDR[:PORT]`: where the API listens and what the kubeconfig and the certificate name (default 127.0.0.1). */
  listen?: string;
  /** How long to wait for the API and the nodes. */
  timeoutMs?: number;
}

export interface UpResult {
  id: string;
  kubeconfig: string;
  /** The address the API listens on, as the kubeconfig names it. */
  host: string;
  port: number;
  pid: number;
  alreadyRunning: boolean;
}

function tail(dir: OwnedDir, name: string, lines = 15): string {
  return (dir.readOwnFile(name) ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * A live lab of this id: ours (same state directory) is already running — unless it was asked to listen elsewhere,
 * which a running lab cannot do (said, not ignored); anyone else's is a one-line refusal.
 */
function alreadyRunning(id: string, r: OwnerRecord, stateDir: string, listen?: Listen): UpResult {
  if (r.stateDir !== stateDir) {
    throw new LabError(`the lab "${id}" is already running for ${whose(r)}: choose another id with --lab-id or KIADA_LAB_ID`);
  }
  const host = r.host ?? DEFAULT_HOST;
  if (listen && (listen.host !== host || (listen.port !== 0 && listen.port !== r.port))) {
    const asked = listen.port ? hostPort(listen.host, listen.port) : listen.host;
    throw new LabError(`the lab "${id}" is already running on ${serverUrl(host, r.port)}, not on ${asked}: stop it first (\`kiada lab down\`) to serve it on another address`);
  }
  return { id, kubeconfig: r.kubeconfig, host, port: r.port, pid: r.pid, alreadyRunning: true };
}

export async function labUp(opts: UpOptions = {}): Promise<UpResult> {
  // A bad --listen is refused before anything is looked at or made.
  const listen = opts.listen === undefined ? undefined : parseListen(opts.listen);
  const id = resolveLabId(opts.id);
  const paths = labPaths(id, opts);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  // A lab of this id that is still starting (another `lab up`) is waited for, then judged as a running one.
  for (let r = readOwner(id); isLive(r); r = readOwner(id)) {
    if (r.ready || r.stateDir !== canonicalDir(paths.home)) return alreadyRunning(id, r, canonicalDir(paths.home), listen);
    if (Date.now() > deadline) throw new LabError(`the lab "${id}" (pid ${r.pid}) is still starting; see ${path.join(r.stateDir, 'daemon.log')}`);
    await sleep(100);
  }

  const problem = await checkPrivileges();
  if (problem) throw new LabError(problem);
  // An address that cannot be bound (not this machine's, in use) stops here: no state directory, no daemon.
  if (listen) await checkListen(listen);
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
      [DAEMON, '--id', id, '--home', stateDir, '--kubeconfig', paths.kubeconfig, '--uid', String(who.uid), '--gid', String(who.gid), '--user', who.name, '--ready-fd', '3', ...(opts.listen === undefined ? [] : ['--listen', opts.listen])],
      { detached: true, stdio: ['ignore', log, log, 'pipe'], env: daemonEnv() },
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
  // The daemon says on fd 3 when its record says ready (or it ends): the wait below looks at once, not at its next tick.
  const said = child.stdio[3] as Readable;
  let wake = () => {};
  said.on('data', () => wake()).on('close', () => wake()).on('error', () => {});

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
      if (r && r.pid === pid && r.ready && isLive(r)) return { id, kubeconfig: r.kubeconfig, host: r.host ?? DEFAULT_HOST, port: r.port, pid, alreadyRunning: false };
      if (exited !== null) {
        // Another `lab up` of this id may have claimed it first: then this is that lab's answer.
        if (isLive(r) && r.pid !== pid) return alreadyRunning(id, r, stateDir, listen);
        throw new LabError(`the lab failed to start (exit code ${exited}):\n${tail(home, 'daemon.log')}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new LabError(`the lab did not become ready in time; see ${paths.log}:\n${tail(home, 'daemon.log')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout((wake = resolve), 50);
        wake = () => (clearTimeout(timer), resolve());
      });
      if (cancelling) await cancelling; // never returns: the process ends once the cleanup is done
    }
  } finally {
    said.destroy(); // what the daemon writes there later goes nowhere: it never needs a reader
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
