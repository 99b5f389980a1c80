// What a node_modules directory holds, and what it should hold according to a package-lock.json (v3).
import fs from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The production dependency closure of the lockfile entry at `from` (a workspace such as `apps/kiada`), each
 * package resolved as Node resolves it (its own node_modules, then each parent's), as sorted `location@version`.
 */
export function lockClosure(lock: { packages: Record<string, LockEntry> }, from: string): string[] {
  const pkgs = lock.packages;
  const found = new Map<string, string>();
  const resolve = (name: string, loc: string): string | undefined => {
    for (let dir = loc; ; dir = dir.slice(0, Math.max(dir.lastIndexOf('/'), 0))) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (pkgs[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const visit = (loc: string) => {
    const e = pkgs[loc];
    const peers = Object.keys(e.peerDependencies ?? {}).filter((n) => !e.peerDependenciesMeta?.[n]?.optional);
    const optional = new Set(Object.keys(e.optionalDependencies ?? {}));
    for (const name of new Set([...Object.keys(e.dependencies ?? {}), ...optional, ...peers])) {
      const at = resolve(name, loc);
      if (!at) {
        if (optional.has(name)) continue;
        throw new Error(`${loc} needs ${name}, which the lockfile does not have`);
      }
      if (found.has(at)) continue;
      found.set(at, pkgs[at].version!);
      visit(at);
    }
  };
  visit(from);
  return [...found].map(([loc, v]) => `${loc}@${v}`).sort();
}

/** Every entry of a node_modules tree as `location@version` (location from the tree's parent); anything
 *  that is not a package directory (a file, a .bin, a link) is listed as it is, so that it shows up in a diff. */
export function installedPackages(nodeModules: string, prefix = 'node_modules'): string[] {
  const out: string[] = [];
  const pkg = (dir: string, loc: string) => {
    const st = fs.lstatSync(dir);
    if (st.isSymbolicLink()) return out.push(`${loc} -> ${fs.readlinkSync(dir)}`);
    const manifest = path.join(dir, 'package.json');
    if (!st.isDirectory() || !fs.existsSync(manifest)) return out.push(`${loc} (not a package)`);
    out.push(`${loc}@${JSON.parse(fs.readFileSync(manifest, 'utf8')).version}`);
    if (fs.existsSync(path.join(dir, 'node_modules'))) out.push(...installedPackages(path.join(dir, 'node_modules'), `${loc}/node_modules`));
  };
  for (const name of fs.readdirSync(nodeModules)) {
    const dir = path.join(nodeModules, name);
    if (name.startsWith('@') && fs.lstatSync(dir).isDirectory()) {
      for (const sub of fs.readdirSync(dir)) pkg(path.join(dir, sub), `${prefix}/${name}/${sub}`);
    } else {
      pkg(dir, `${prefix}/${name}`);
    }
  }
  return out.sort();
}

/** Symbolic links under `dir` whose target does not exist, as paths relative to `dir`. */
export function danglingLinks(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isSymbolicLink() && !fs.existsSync(path.join(d.parentPath, d.name)))
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}
