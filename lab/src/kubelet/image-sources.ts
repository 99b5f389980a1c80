// Where the image table's sources (image-table.ts) are on this machine: host paths as they are, the lab's own Node
// binary, files of an installed npm package (found as Node resolves the package from the lab, through its
// exported package.json: the lab knows the app by its package name, not by a path into the repository), and a
// workspace package's production dependencies, copied once per lab into a read-only layer.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Source } from './image-table.ts';
import { lockClosure } from './npm-closure.ts';

export interface SourceContext {
  /** The npm workspace root: its package-lock.json and node_modules. */
  repoRoot: string;
  /** A read-only directory made once per lab by `fill` (the dataplane's image layers). */
  layer(name: string, fill: (dir: string) => void): string;
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
  const dir = ctx.layer(`npm-${ws.replace(/\W/g, '-')}`, (to) => {
    const lock = JSON.parse(fs.readFileSync(path.join(ctx.repoRoot, 'package-lock.json'), 'utf8'));
    fs.mkdirSync(path.join(to, 'node_modules'));
    for (const entry of lockClosure(lock, ws)) {
      const loc = entry.slice(0, entry.lastIndexOf('@'));
      // Nested ones come with their parent package's directory.
      if (loc.split('node_modules/').length > 2) continue;
      fs.cpSync(path.join(ctx.repoRoot, loc), path.join(to, loc), { recursive: true, verbatimSymlinks: true });
    }
  });
  return path.join(dir, 'node_modules');
}
