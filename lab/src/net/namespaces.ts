// Namespaces held by files, not processes. A node's or pod's UTS and IPC namespaces (and a pod's user namespace,
// userns.ts) are bind-mounted on files in <dir>/kiada-<id>-<suffix>/, as `ip netns` binds network namespaces on
// /run/netns/<name>: a namespace lives as long as its file stays mounted, so an idle pod costs no process at all.
// Containers and node shells join them with `nsenter --net=<file> --uts=<file> --ipc=<file>`.
import fs from 'node:fs';
import path from 'node:path';
import { batchText, run } from './exec.ts';

/** Where a node's or pod's namespaces are: the network's in /run/netns, the others bound on files of the lab's. */
export interface Namespaces {
  net: string;
  uts: string;
  ipc: string;
}

export const netnsPath = (netns: string) => `/run/netns/${netns}`;

/** Empty files to bind namespaces on (a bind mount needs an existing target). */
export function makeNsFiles(dir: string, names: string[]): string[] {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return names.map((n) => {
    const file = path.join(dir, n);
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o600));
    return file;
  });
}

/**
 * A node's or pod's inside, made by one process: new UTS and IPC namespaces (owned by the host's user namespace, as
 * runc makes a pod's) bound on <dir>/uts and <dir>/ipc, then, in the network namespace `netns`, the hostname, the
 * `sysctls` (a path under /proc/sys/net → its value) and the `ip` commands `lines` (one `ip -batch`, which stops at
 * the first that fails). The process is gone when this resolves.
 */
export async function setUpInside(dir: string, netns: string, hostname: string, o: { sysctls: [string, string][]; lines: string[][] }): Promise<Namespaces> {
  const [uts, ipc] = makeNsFiles(dir, ['uts', 'ipc']);
  const script = 'printf %s "$1" > /proc/sys/kernel/hostname || exit; shift; ' +
    'while [ $# -gt 1 ]; do printf %s "$2" > "/proc/sys/net/$1" || exit; shift 2; done; exec ip -batch -';
  await run('nsenter', [`--net=${netnsPath(netns)}`, '--', 'unshare', `--uts=${uts}`, `--ipc=${ipc}`, '--', 'sh', '-c', script, 'kiada-inside', hostname, ...o.sysctls.flat()], 10_000, batchText(o.lines));
  return { net: netnsPath(netns), uts, ipc };
}

/** The namespace files mounted in a directory that `inDir` accepts (its path), from /proc/self/mountinfo. */
function nsMounts(inDir: (name: string) => boolean): string[] {
  let info = '';
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  // mountinfo escapes space, tab, newline and backslash in paths as \ooo.
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o) => String.fromCharCode(parseInt(o, 8)));
  const out = new Set<string>();
  for (const line of info.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right || right.split(' ')[0] !== 'nsfs') continue;
    const mountPoint = unescape(left.split(' ')[4]);
    if (inDir(path.dirname(mountPoint))) out.add(mountPoint);
  }
  return [...out];
}

/**
 * Unmounts the namespace files in the directories `inDir` accepts and removes those directories: a namespace
 * goes once nothing else holds it (a process in it, an open file). A file mounted twice needs two rounds.
 */
async function release(inDir: (name: string) => boolean): Promise<void> {
  const dirs = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const mounts = nsMounts(inDir);
    if (!mounts.length) break;
    for (const m of mounts) dirs.add(path.dirname(m));
    await run('umount', mounts).catch(() => undefined);
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}

/** A node's or pod's namespace files: unmounted, their directory removed. */
export async function releaseNsDir(dir: string): Promise<void> {
  const real = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
  await release((d) => d === real);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Every namespace file of the lab's `kiada-<id>-*` sets, wherever they are (a dead lab's too). */
export const releaseLabNsFiles = (prefix: string) => release((d) => path.basename(d).startsWith(prefix));
