// Where the image table's sources (image-table.ts) are on this machine: host paths as they are, the lab's own Node
// binary, files of an installed npm package (found as Node resolves the package from the lab, through its
// exported package.json: the lab knows the app by its package name, not by a path into the repository), and a
// workspace package's production dependencies, copied into a read-only layer named by their content (made once
// and kept in the daemon's cache directory: net/image-layers.ts).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { IMAGES, type Source } from './image-table.ts';
import { lockClosure } from './npm-closure.ts';
import { copyInto } from '../net/index.ts';

export interface SourceContext {
  /** The npm workspace root: its package-lock.json and node_modules. */
  repoRoot: string;
  /** A read-only directory made once by `fill` and kept (the dataplane's image layers): its path at once. */
  layer(name: string, fill: (dir: string) => Promise<void>): string;
}

/** The folder of an installed npm package, as Node resolves it from here (the package exports ./package.json). */
export function packageDir(name: string): string {
  return path.dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`)));
}

/**
 * A name for the content of these trees: each entry's path (from `base`: checkouts that share their node_modules
 * share the layer), type, mode, size, modification time and link target (~25 ms of the daemon's own time
 * synchronously: the lab works it out asynchronously as it starts, preloadImages).
 */
const keyOf = (lines: string[]) => createHash('sha256').update(lines.sort().join('')).digest('hex').slice(0, 16);
// A directory is its entries (its own time and size change with any copy of the tree).
const entryLine = (p: string, st: fs.Stats, link?: string) => (st.isDirectory() ? `${p}\0${st.mode}\n` : `${p}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${link ?? ''}\n`);
function treeKeySync(base: string, roots: string[]): string {
  const lines: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    lines.push(entryLine(path.relative(base, p), st, st.isSymbolicLink() ? fs.readlinkSync(p) : undefined));
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  roots.forEach(walk);
  return keyOf(lines);
}
async function treeKey(base: string, roots: string[]): Promise<string> {
  const lines: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await fs.promises.lstat(p);
    lines.push(entryLine(path.relative(base, p), st, st.isSymbolicLink() ? await fs.promises.readlink(p) : undefined));
    if (st.isDirectory()) await Promise.all((await fs.promises.readdir(p)).map((e) => walk(path.join(p, e))));
  };
  await Promise.all(roots.map(walk));
  return keyOf(lines);
}

/** The host path a non-text source binds in, or undefined when an optional one is missing. */
export function sourcePath(from: Exclude<Source, { text: string }>, ctx: SourceContext): string | undefined {
  if ('pkg' in from) return path.join(packageDir(from.pkg), from.path);
  if ('host' in from) return from.optional && !fs.existsSync(from.host) ? undefined : from.host;
  if ('nodeBinary' in from) return process.execPath;
  // The workspace's entry in the lockfile is its folder, relative to the workspace root.
  const ws = path.relative(ctx.repoRoot, packageDir(from.npmClosure));
  const { into, key } = closureOf(ctx.repoRoot, ws);
  const dir = ctx.layer(`npm-${ws.replace(/\W/g, '-')}-${key}`, async (to) => {
    for (const [parent, sources] of into) {
      await fs.promises.mkdir(path.join(to, parent), { recursive: true });
      await copyInto(path.join(to, parent), sources);
    }
  });
  return path.join(dir, 'node_modules');
}

/**
 * The packages of a workspace's closure by the folder they go to (node_modules, a scope's; nested ones come with
 * their parent package's directory), and the key of their content (the layer's name: a changed file is another
 * layer). Worked out once per lab: as the lab starts (closureAsync), else when first asked.
 */
type Closure = { into: Map<string, string[]>; key: string };
const closures = new Map<string, Closure>();
function packagesOf(lockText: string, repoRoot: string, ws: string): Map<string, string[]> {
  const into = new Map<string, string[]>();
  for (const entry of lockClosure(JSON.parse(lockText), ws)) {
    const loc = entry.slice(0, entry.lastIndexOf('@'));
    if (loc.split('node_modules/').length > 2) continue;
    const parent = path.dirname(loc);
    into.set(parent, [...(into.get(parent) ?? []), path.join(repoRoot, loc)]);
  }
  return into;
}
function closureOf(repoRoot: string, ws: string): Closure {
  const id = `${repoRoot}\0${ws}`;
  let c = closures.get(id);
  if (!c) {
    const into = packagesOf(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'), repoRoot, ws);
    c = { into, key: treeKeySync(repoRoot, [...into.values()].flat()) };
    closures.set(id, c);
  }
  return c;
}
async function closureAsync(repoRoot: string, ws: string): Promise<void> {
  const id = `${repoRoot}\0${ws}`;
  if (closures.has(id)) return;
  const into = packagesOf(await fs.promises.readFile(path.join(repoRoot, 'package-lock.json'), 'utf8'), repoRoot, ws);
  const key = await treeKey(repoRoot, [...into.values()].flat());
  if (!closures.has(id)) closures.set(id, { into, key });
}

/**
 * Starts making the layers of every image in the table, as kind's nodes have their images preloaded: the first pod
 * of an image does not wait for its copy. What cannot be found here is said when a pod needs it.
 */
export async function preloadImages(ctx: SourceContext): Promise<void> {
  for (const image of Object.values(IMAGES)) {
    for (const f of image.files) {
      if (!('npmClosure' in f.from)) continue;
      try {
        await closureAsync(ctx.repoRoot, path.relative(ctx.repoRoot, packageDir(f.from.npmClosure)));
        sourcePath(f.from, ctx);
      } catch {
        /* the container that needs it fails with this */
      }
    }
  }
}
