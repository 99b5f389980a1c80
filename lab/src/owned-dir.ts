// Writing as root into a directory of the user the lab works for, without lending root to that user.
// The directory is opened once (O_NOFOLLOW: never through a final symlink) and checked on the open descriptor:
// owned by that user, not writable by group or others. Every file in it is then reached through
// /proc/self/fd/<fd>/<name> — the directory we checked, whatever its path points to later — and created afresh:
// the old entry (file, symlink, hard link) is unlinked, then O_CREAT|O_EXCL|O_NOFOLLOW, mode set with fchmod,
// owner with fchown. Directories are created, and removed, with the user's own credentials.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from './errors.ts';
import type { Invoker } from './invoker.ts';

export type Owner = Pick<Invoker, 'uid' | 'gid' | 'name'>;

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = fs.constants;
const isRoot = () => process.getuid?.() === 0;
const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** Runs a command as the owner (itself when that is us), so the kernel checks what the owner may do. */
function asOwner(owner: Owner, argv: string[]): { ok: boolean; stderr: string } {
  const self = process.getuid?.() === owner.uid;
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], ...(self ? {} : { uid: owner.uid, gid: owner.gid }) });
  return { ok: r.status === 0, stderr: (r.stderr || r.error?.message || '').trim() };
}

/** `mkdir -p` as the owner: a missing directory (and its missing parents) is theirs, mode 0700. */
export function ensureOwnedDir(dir: string, owner: Owner, what: string): void {
  if (fs.existsSync(dir)) return;
  const r = asOwner(owner, ['mkdir', '-p', '-m', '700', '--', dir]);
  if (!r.ok) throw new LabError(`cannot create ${what} ${dir} as ${owner.name}: ${r.stderr.replace(/^mkdir: /, '')}`);
}

/** `rmdir` as the owner, only if empty; quiet when it is not there or not empty. */
export function removeEmptyDir(dir: string, owner: Owner): void {
  asOwner(owner, ['rmdir', '--', dir]);
}

export class OwnedDir {
  readonly path: string;
  readonly owner: Owner;
  private readonly fd: number;

  private constructor(dir: string, fd: number, owner: Owner) {
    this.path = dir;
    this.fd = fd;
    this.owner = owner;
  }

  /** Opens `dir` for writing on behalf of `owner`; a one-line LabError says what is wrong and how to fix it. */
  static open(dir: string, owner: Owner, what: string): OwnedDir {
    let fd: number;
    try {
      fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || (code === 'ENOTDIR' && fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink())) {
        throw new LabError(`${what} ${dir} is a symbolic link: the lab writes only into a real directory (remove the link, or choose another directory)`);
      }
      if (code === 'ENOTDIR') throw new LabError(`${what} ${dir} is not a directory: remove it or choose another directory`);
      throw new LabError(`cannot open ${what} ${dir}: ${(err as Error).message}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.uid !== owner.uid) {
        throw new LabError(`${what} ${dir} belongs to uid ${st.uid}, not to ${owner.name} (uid ${owner.uid}): use a directory of your own, or \`chown ${owner.name} ${dir}\``);
      }
      if (st.mode & 0o022) {
        throw new LabError(`${what} ${dir} is writable by ${st.mode & 0o020 ? 'its group' : 'others'} (mode ${octal(st.mode)}): fix it with \`chmod go-w ${dir}\``);
      }
      return new OwnedDir(dir, fd, owner);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  private at(name: string): string {
    if (!name || name.includes('/') || name === '.' || name === '..') throw new Error(`not a file name: ${name}`);
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** Unlinks `name` (a file, a symlink — never its target); false if it was not there. */
  remove(name: string): boolean {
    try {
      fs.unlinkSync(this.at(name));
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return false;
      if (code === 'EISDIR' || code === 'EPERM') throw new LabError(`${path.join(this.path, name)} is a directory: the lab needs that name for a file; remove it`);
      throw err;
    }
  }

  /** A new, empty `name`, open for writing: created exclusively, never through a symlink, `mode` and owner set. */
  create(name: string, mode = 0o600): number {
    for (let attempt = 0; ; attempt++) {
      this.remove(name);
      let fd: number;
      try {
        fd = fs.openSync(this.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
      } catch (err) {
        // Someone put a new entry there between the unlink and the open: start again, a few times.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 5) continue;
        throw err;
      }
      try {
        fs.fchmodSync(fd, mode); // the create mode passes through the umask; this one does not
        if (isRoot()) fs.fchownSync(fd, this.owner.uid, this.owner.gid);
        return fd;
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
    }
  }

  writeFile(name: string, data: string, mode = 0o600): void {
    const fd = this.create(name, mode);
    try {
      fs.writeFileSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The content of `name` if it is a regular file of the owner with no other link to it (a hard link to a file
   * of root's would otherwise be read as root); null when it is missing or anything else.
   */
  readOwnFile(name: string): string | null {
    let fd: number;
    try {
      fd = fs.openSync(this.at(name), O_RDONLY | O_NOFOLLOW);
    } catch {
      return null;
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.uid !== this.owner.uid || st.nlink !== 1 || st.size > 1 << 20) return null;
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  /** What `name` is, without following it: 'missing', 'file' (a regular file of the owner, one link), 'symlink' or 'other'. */
  kind(name: string): 'missing' | 'file' | 'symlink' | 'other' {
    const st = fs.lstatSync(this.at(name), { throwIfNoEntry: false });
    if (!st) return 'missing';
    if (st.isSymbolicLink()) return 'symlink';
    return st.isFile() && st.uid === this.owner.uid && st.nlink === 1 ? 'file' : 'other';
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Opens `dir` (creating it as the owner first if missing), runs `fn`, closes it. */
export function withOwnedDir<T>(dir: string, owner: Owner, what: string, fn: (d: OwnedDir) => T, create = true): T {
  if (create) ensureOwnedDir(dir, owner, what);
  const d = OwnedDir.open(dir, owner, what);
  try {
    return fn(d);
  } finally {
    d.close();
  }
}
