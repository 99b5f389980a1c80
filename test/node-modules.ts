// What a node_modules directory holds, and what it should hold according to a package-lock.json (v3).
import fs from 'node:fs';
import path from 'node:path';

// The closure itself is the lab's (it copies it into the kiada image's /app/node_modules).
export { lockClosure } from '@kiada/lab/testing.ts';

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
