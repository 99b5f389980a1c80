// The machine-wide register of labs, beside the namespaces it describes: /run/kiada/<id>/ (root's, 0755; gone at
// reboot with the namespaces). `owner.json` (root's, 0644) says which daemon owns the id — its PID, start time and
// command line, so a recycled PID is never taken for it — for which user, with which state directory, which
// kubeconfig and API port. `sockets/` (0700) holds the files the nodes' and pods' namespaces are bound on
// (ns/), the containers' first mount point (rootfs/) and image layers. Only the daemon writes its record: claimed
// exclusively at start (the id's `kiada-<id>-*` namespaces are then its own to clean), completed once ready,
// removed when it stops. Readers trust nothing here unless root owns it and nobody else can write it.
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from './errors.ts';
import { isSameProcess, processIdentity, type ProcessIdentity } from './proc.ts';

const RUN_DIR = '/run/kiada';
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

export interface AgentRecord {
  name: string;
  netns: string;
  agentPid: number;
  agentStartTime: string;
  agentCmdline: string[];
}

export interface OwnerRecord {
  id: string;
  /** The daemon: PID, start time (field 22 of /proc/<pid>/stat), command line. */
  pid: number;
  startTime: string;
  cmdline: string[];
  user: { uid: number; gid: number; name: string };
  stateDir: string;
  kubeconfig: string;
  /** Where the API listens (`lab up --listen`); absent in records of earlier versions: 127.0.0.1. */
  host?: string;
  port: number;
  startedAt: string;
  /** false while the daemon starts (no API yet); true once the API answers and every node is Ready. */
  ready: boolean;
  nodes: AgentRecord[];
}

export const registryDir = (id: string) => path.join(RUN_DIR, id);
export const socketsDir = (id: string) => path.join(RUN_DIR, id, 'sockets');
const ownerFile = (id: string) => path.join(RUN_DIR, id, 'owner.json');

export const daemonIdentity = (r: OwnerRecord): ProcessIdentity => ({ pid: r.pid, startTime: r.startTime, cmdline: r.cmdline });
export const agentIdentity = (n: AgentRecord): ProcessIdentity => ({ pid: n.agentPid, startTime: n.agentStartTime, cmdline: n.agentCmdline });
/** The daemon the record names is still running (a recycled PID does not count). */
export const isLive = (r: OwnerRecord | null): r is OwnerRecord => !!r && isSameProcess(daemonIdentity(r));

/** 'missing', or the directory is root's, real and closed to others; anything else is refused. */
function checkRootDir(dir: string): 'missing' | 'ok' {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return 'missing';
  const problem = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isDirectory()
      ? 'is not a directory'
      : st.uid !== 0
        ? `belongs to uid ${st.uid}, not root`
        : st.mode & 0o022
          ? `is writable by others (mode 0${(st.mode & 0o7777).toString(8)})`
          : null;
  if (problem) throw new LabError(`the lab registry ${dir} ${problem}: the lab trusts it only as root's own; remove it (\`sudo rm -rf ${dir}\`) and start again`);
  return 'ok';
}

function ensureRootDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755); // the mode given to mkdir passes through the umask
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  checkRootDir(dir);
}

/**
 * Node's compile cache for the daemon (NODE_COMPILE_CACHE): its ~150 modules then load in ~160 ms instead of ~290
 * (type stripping and compiling done once per Node version); the API's models are kept there too (~2 ms instead of
 * ~130, api/schema-models.ts). The daemon runs as root and loads what is cached, so
 * the directory must be root's alone (0700, real): anything else and the daemon starts without a cache. It stays
 * for the next `lab up` and goes at reboot with the rest of /run/kiada. `.compile-cache` can never be a lab id.
 */
export function daemonCompileCache(): string | undefined {
  const dir = path.join(RUN_DIR, '.compile-cache');
  try {
    ensureRootDir(RUN_DIR);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = fs.lstatSync(dir);
    return st.isDirectory() && !st.isSymbolicLink() && st.uid === 0 && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The id's registry directory, made if missing (root only). */
function ensureRegistry(id: string): string {
  ensureRootDir(RUN_DIR);
  ensureRootDir(registryDir(id));
  return registryDir(id);
}

function parseRecord(text: string): OwnerRecord | null {
  try {
    const r = JSON.parse(text) as OwnerRecord;
    const ok = typeof r.id === 'string' && Number.isSafeInteger(r.pid) && typeof r.startTime === 'string' && Array.isArray(r.cmdline) &&
      typeof r.stateDir === 'string' && typeof r.kubeconfig === 'string' && Array.isArray(r.nodes) && typeof r.user?.uid === 'number';
    return ok ? r : null;
  } catch {
    return null;
  }
}

/** The record of the id, if root wrote one; null when there is none. Throws when the registry is not trustworthy. */
export function readOwner(id: string): OwnerRecord | null {
  if (checkRootDir(RUN_DIR) === 'missing' || checkRootDir(registryDir(id)) === 'missing') return null;
  let fd: number;
  try {
    fd = fs.openSync(ownerFile(id), O_RDONLY | O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== 0) return null;
    return parseRecord(fs.readFileSync(fd, 'utf8'));
  } finally {
    fs.closeSync(fd);
  }
}

/** The record, written whole to a new file in the (root-only) registry directory; the caller links or renames it. */
function writeTemp(r: OwnerRecord): string {
  const tmp = path.join(registryDir(r.id), `.owner.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  try {
    fs.fchmodSync(fd, 0o644);
    fs.writeFileSync(fd, JSON.stringify(r, null, 2) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}

const sameDaemon = (a: OwnerRecord | null, b: OwnerRecord) => !!a && a.pid === b.pid && a.startTime === b.startTime;

/**
 * Makes `r` the owner of its id unless a live daemon owns it: returns null on success, else that owner's record.
 * A stale record (its daemon gone) is moved aside first; link() makes the claim atomic between two starters.
 */
export function claimOwner(r: OwnerRecord): OwnerRecord | null {
  for (let attempt = 0; attempt < 10; attempt++) {
    ensureRegistry(r.id);
    let tmp: string;
    try {
      tmp = writeTemp(r);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // the directory went away with a lab that stopped
      throw err;
    }
    try {
      fs.linkSync(tmp, ownerFile(r.id));
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    const current = readOwner(r.id);
    if (isLive(current)) return current;
    // Stale (or unreadable): moved aside under a unique name, so two starters cannot both remove it.
    const aside = `${ownerFile(r.id)}.stale.${process.pid}`;
    try {
      fs.renameSync(ownerFile(r.id), aside);
      // What was moved may be a claim made since we read: if it is live, it goes back (link fails if taken again).
      const moved = readRecordFile(aside);
      if (isLive(moved)) {
        try {
          fs.linkSync(aside, ownerFile(r.id));
        } catch {
          /* taken again: that claimant and the one moved aside will both see each other below */
        }
        return moved;
      }
    } catch {
      /* gone already: try again */
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }
  throw new LabError(`cannot claim the lab id "${r.id}" in ${RUN_DIR}: it keeps changing; try again`);
}

function readRecordFile(file: string): OwnerRecord | null {
  try {
    return parseRecord(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Replaces the record with `r`, as long as the record there is still that daemon's. */
export function updateOwner(r: OwnerRecord): void {
  if (!sameDaemon(readOwner(r.id), r)) throw new Error(`the registry record of lab "${r.id}" is no longer this daemon's`);
  fs.renameSync(writeTemp(r), ownerFile(r.id));
}

/**
 * The sockets directory, retried a few times: a killed daemon's last children (openssl, the copy of a layer) may
 * still be writing into it for a moment after it died. And the temporary records of daemons that are gone (one
 * killed between writing its record and linking it leaves its `.owner.<pid>.<time>.tmp`).
 */
function removeSockets(id: string): void {
  fs.rmSync(socketsDir(id), { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  let names: string[] = [];
  try {
    names = fs.readdirSync(registryDir(id));
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.owner\.(\d+)\.\d+\.tmp$/.exec(name);
    if (m && !processIdentity(Number(m[1]))) fs.rmSync(path.join(registryDir(id), name), { force: true });
  }
}

/**
 * Removes the record if it is still `r` (a daemon stopping, or `lab down` after it died), with the sockets
 * directory; the id's directory goes too once empty.
 */
export function releaseOwner(r: OwnerRecord): void {
  if (!sameDaemon(readOwner(r.id), r)) return;
  removeSockets(r.id);
  fs.rmSync(ownerFile(r.id), { force: true });
  try {
    fs.rmdirSync(registryDir(r.id));
  } catch {
    /* not empty (a new claim) or gone */
  }
}

/** With no record at all: the sockets directory and the id's directory, if they are left. */
export function removeOrphanRegistry(id: string): void {
  if (checkRootDir(RUN_DIR) === 'missing' || checkRootDir(registryDir(id)) === 'missing') return;
  if (fs.existsSync(ownerFile(id))) return;
  removeSockets(id);
  try {
    fs.rmdirSync(registryDir(id));
  } catch {
    /* not empty or gone */
  }
}
