// Where the image table's sources (image-table.ts) are on this machine: host paths as they are, the lab's own Node
// binary, files of an installed npm package (found as Node resolves the package from the lab, through its
// exported package.json: the lab knows the app by its package name, not by a path into the repository), and a
// workspace package's production dependencies, copied once per lab into a read-only layer.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGES, type Source } from './image-table.ts';
import { lockClosure } from './npm-closure.ts';
import { copyInto } from '../net/index.ts';

export interface SourceContext {
  /** The npm workspace root: its package-lock.json and node_modules. */
  repoRoot: string;
  /** A read-only directory made once per lab by `fill` (the dataplane's image layers): its path at once. */
  layer(name: string, fill: (dir: string) => Promise<void>): string;
}

/** The folder of an installed npm package, as Node resolves it from here (the package exports ./package.json). */
export function packageDir(name: string): string {
  return path.dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`)));
}

/** The host path a non-text source binds in, or undefined when an optional one is missing. */
export function sourcePath(from: Exclude<Source, { text: string }>, ctx: SourceContext): string | undefined {
  if ('pkg' in from) return path.join(packageDir(from.pkg), from.path);
  if ('host' in from) return from.optional && !fs.existsSync(from.host) ? undefined : from.host;
  if ('nodeBinary' in from) return process.execPath;
  // The workspace's entry in the lockfile is its folder, relative to the workspace root.
  const ws = path.relative(ctx.repoRoot, packageDir(from.npmClosure));
  const dir = ctx.layer(`npm-${ws.replace(/\W/g, '-')}`, async (to) => {
    const lock = JSON.parse(await fs.promises.readFile(path.join(ctx.repoRoot, 'package-lock.json'), 'utf8'));
    // Nested ones come with their parent package's directory; one copy per folder they go to (node_modules, a scope's).
    const into = new Map<string, string[]>();
    for (const entry of lockClosure(lock, ws)) {
      const loc = entry.slice(0, entry.lastIndexOf('@'));
      if (loc.split('node_modules/').length > 2) continue;
      const parent = path.dirname(loc);
      into.set(parent, [...(into.get(parent) ?? []), path.join(ctx.repoRoot, loc)]);
    }
    for (const [parent, sources] of into) {
      await fs.promises.mkdir(path.join(to, parent), { recursive: true });
      await copyInto(path.join(to, parent), sources);
    }
  });
  return path.join(dir, 'node_modules');
}

/**
 * Starts making the layers of every image in the table, as kind's nodes have their images preloaded: the first pod
 * of an image does not wait for its copy. What cannot be found here is said when a pod needs it.
 */
export function preloadImages(ctx: SourceContext): void {
  for (const image of Object.values(IMAGES)) {
    for (const f of image.files) {
      if (!('npmClosure' in f.from)) continue;
      try {
        sourcePath(f.from, ctx);
      } catch {
        /* the container that needs it fails with this */
      }
    }
  }
}
