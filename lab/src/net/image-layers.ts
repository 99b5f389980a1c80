// Image layers: read-only directories of files for images (such as kiada's node_modules closure), in a directory
// only root can enter: the daemon's cache directory, where a layer named by a hash of its sources is made once and
// kept for every later lab (until reboot: /run), else the lab's own <socketDir>/layers. A layer's path is known at
// once and its files are copied beside other work: the lab asks for its images' layers while it starts (as kind's
// nodes have their images preloaded), so the first pod does not wait for the copy, and a container starts only
// once the layers it binds are complete.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.ts';

export type LayerFill = (dir: string) => Promise<void>;

export class ImageLayers {
  private readonly making = new Map<string, Promise<void>>();
  private readonly dir: string;
  /** `dir`: where the layers go, in a directory only root can enter. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** The layer's directory; the first ask starts `fill` on a fresh directory, moved into place once it is full. */
  layer(name: string, fill: LayerFill): string {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`bad layer name ${JSON.stringify(name)}`);
    const dir = path.join(this.dir, name);
    if (!this.making.has(name)) {
      const made = make(dir, fill).catch((err) => {
        // The next container that needs it makes it anew.
        if (this.making.get(name) === made) this.making.delete(name);
        throw new Error(`cannot make the image layer ${name}: ${(err as Error).message}`);
      });
      made.catch(() => {}); // a container that needs it is told; nobody else is
      this.making.set(name, made);
    }
    return dir;
  }

  /** Resolves once every layer that one of `paths` is in is complete; rejects with the failure of one that is not. */
  async ready(paths: string[]): Promise<void> {
    await Promise.all([...this.making].filter(([name]) => paths.some((p) => isIn(p, path.join(this.dir, name)))).map(([, made]) => made));
  }

  /** Once no copy is under way (the directory can then be removed). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.making.values());
  }
}

const isIn = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/** Whether a process of that pid lives (a partial layer of a dead one is nobody's). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function make(dir: string, fill: LayerFill): Promise<void> {
  if (fs.existsSync(dir)) return;
  // Filled under a name of this process's, moved into place whole: labs that make the same layer at once each fill
  // their own and the first one's stays. What a killed daemon left half-made goes.
  const parent = path.dirname(dir);
  await fs.promises.mkdir(parent, { recursive: true, mode: 0o700 });
  for (const f of await fs.promises.readdir(parent)) {
    const m = /^(.*)\.(\d+)\.partial$/.exec(f);
    if (m && m[1] === path.basename(dir) && !alive(Number(m[2]))) await fs.promises.rm(path.join(parent, f), { recursive: true, force: true });
  }
  const tmp = `${dir}.${process.pid}.partial`;
  await fs.promises.rm(tmp, { recursive: true, force: true });
  await fs.promises.mkdir(tmp, { mode: 0o755 });
  try {
    await fill(tmp);
    await fs.promises.rename(tmp, dir).catch((err) => {
      if (!fs.existsSync(dir)) throw err; // else another lab made it first
    });
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Copies host files and directories into a folder of a layer, as `cp -R --preserve=mode` does: links stay links,
 * modes are kept, the copies are root's. The copying is cp's work, on another CPU than the daemon's; a daemon that is
 * killed takes its cp along (no copy goes on into a directory `lab down` removes).
 */
export const copyInto = (dir: string, sources: string[]) =>
  run('setpriv', ['--pdeathsig', 'KILL', '--', 'cp', '-R', '--preserve=mode', '-t', dir, '--', ...sources], 60_000).then(() => {});
