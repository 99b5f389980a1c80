// An npm workspace's production dependency closure, read from package-lock.json (v3): what `npm ci --omit=dev
// --workspace <ws>` installs, and what the kiada image ships in /app/node_modules (the lab copies it from the
// repository's node_modules into a layer kept until reboot: net/image-layers.ts; test/dockerfile.test.ts checks the Dockerfile's deps stage against it).
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The production dependency closure of the lockfile entry at `from` (a workspace's folder, relative to the
 * lockfile's), each package resolved as Node resolves it (its own node_modules, then each parent's), as sorted
 * `location@version`.
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
