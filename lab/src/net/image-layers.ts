// Image layers: read-only directories of files for images (such as kiada's node_modules closure), made once per lab
// in <socketDir>/layers (root's alone). A layer's path is known at once and its files are copied beside other work:
// the lab asks for its images' layers while it starts (as kind's nodes have their images preloaded), so the first
// pod does not wait for the copy, and a container starts only once the layers it binds are complete.
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

async function make(dir: string, fill: LayerFill): Promise<void> {
  if (fs.existsSync(dir)) return;
  const tmp = `${dir}.partial`;
  await fs.promises.rm(tmp, { recursive: true, force: true });
  await fs.promises.mkdir(tmp, { recursive: true, mode: 0o755 });
  try {
    await fill(tmp);
    await fs.promises.rename(tmp, dir);
  } catch (err) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Copies host files and directories into a folder of a layer, as `cp -R --preserve=mode` does: links stay links,
 * modes are kept, the copies are root's. The copying is cp's work, on another CPU than the daemon's; a daemon that is
 * killed takes its cp along (no copy goes on into a directory `lab down` removes).
 */
export const copyInto = (dir: string, sources: string[]) =>
  run('setpriv', ['--pdeathsig', 'KILL', '--', 'cp', '-R', '--preserve=mode', '-t', dir, '--', ...sources], 60_000).then(() => {});
