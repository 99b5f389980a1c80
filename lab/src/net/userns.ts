// Pod users are not host users. Each pod gets a user namespace that maps container uids and gids 0–65535 onto
// host ids UID_BASE + id: uid 0 or 1000 in a pod is host uid 1900000000 or 1900001000, an id no account has.
// Why 1900000000: regular accounts live below 60000 (login.defs UID_MAX), useradd hands out subordinate ranges
// from 100000 up to 600100000 (SUB_UID_MIN/MAX), systemd gives 0x00080000–0x6FFFFFFF to containers (nspawn) and
// 0x7FFE0000– to its "foreign" range; 1900000000–1900065535 sits in the unused 0x70000000–0x7FFDFFFF gap, below
// 2^31 (some tools still read ids as signed), and reads as "1900000000 + the pod's uid".
// The namespace is made and mapped by root (the lab), then bound on a file of the pod's (namespaces.ts) for the
// pod's life, with no process to hold it; containers join it by that file, exec through the container's PID 1. Writing a map with more than one id needs privilege in the parent namespace (newuidmap's job
// on a rootless engine): the lab has it, so no setuid helper is needed.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { run } from './exec.ts';
import { makeNsFiles } from './namespaces.ts';

export const UID_BASE = 1_900_000_000;
/** How many ids a pod has: 0–65535, as a Kubernetes pod with its own user namespace. */
export const ID_COUNT = 65_536;
const MAP = `0 ${UID_BASE} ${ID_COUNT}\n`;

export interface UserNamespace {
  /** The holder's host pid: /proc/<pid>/ns/user is the namespace. */
  pid: number;
  child: ChildProcess;
}

/** A new user namespace with the lab's map, held by a process that ends when `release`d or when the lab dies. */
export async function createUserNamespace(): Promise<UserNamespace> {
  // `cat` on a pipe from the lab: it waits for nothing, and its stdin closes when the lab's daemon goes away.
  const child = spawn('unshare', ['--user', '--', 'sh', '-c', 'echo ready; exec cat'], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: SAFE_PATH } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(stderr.trim() || `unshare exited with code ${code}`)));
      child.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    fs.writeFileSync(`/proc/${child.pid}/uid_map`, MAP);
    fs.writeFileSync(`/proc/${child.pid}/gid_map`, MAP);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`cannot make a user namespace for the pod: ${(err as Error).message}`);
  } finally {
    child.removeAllListeners('exit');
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return { pid: child.pid!, child };
}

/**
 * The pod's user namespace, bound on <dir>/user. (`unshare --user=<file>` of util-linux 2.38 fails to bind it with
 * EPERM; a `mount --bind` of the mapped holder's /proc/<pid>/ns/user works, and the holder then goes.)
 */
export async function bindUserNamespace(dir: string): Promise<string> {
  const [file] = makeNsFiles(dir, ['user']);
  const holder = await createUserNamespace();
  try {
    await run('mount', ['--bind', `/proc/${holder.pid}/ns/user`, file]);
  } finally {
    releaseUserNamespace(holder);
  }
  return file;
}

export function releaseUserNamespace(ns: UserNamespace | undefined): void {
  if (ns && ns.child.exitCode === null && ns.child.signalCode === null) ns.child.kill('SIGKILL');
}

const readMax = () => {
  try {
    return fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim();
  } catch {
    return undefined;
  }
};

/**
 * null when this system lets the lab make mapped user namespaces, else the one-line problem (for `lab up`, which
 * then starts nothing). `probe` and `max` are this system's unless a test gives others.
 */
export async function checkUserNamespaces(probe = createUserNamespace, max = readMax): Promise<string | null> {
  try {
    releaseUserNamespace(await probe());
    return null;
  } catch (err) {
    const hint = max() === '0' ? 'user.max_user_namespaces is 0: set it with `sudo sysctl -w user.max_user_namespaces=15000`' : 'allow user namespaces for root (a seccomp or LSM policy refuses them)';
    return `The lab runs each pod in a user namespace (pod uid N is host uid ${UID_BASE}+N) and this system refuses one (${(err as Error).message}): ${hint}.`;
  }
}

/** The PATH of everything the lab runs as root around a container: system directories only, never the pod's. */
export const SAFE_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
