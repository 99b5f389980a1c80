// What the daemon derives from installed files that change only with the installation (client-node's models, the
// default RBAC policy), kept as JSON in its cache directory (root's alone, beside Node's compile cache: registry.ts)
// under a name with a hash of those files: read back (~1 ms) while they are the same, made again when they change.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';

/** The file for `name` derived from `sources` (their bytes name it); none without a cache directory. */
export function cacheFile(dir: string | undefined, name: string, sources: string[]): string | undefined {
  if (!dir) return undefined;
  const hash = createHash('sha256').update(`${name}\n`);
  for (const f of sources) hash.update(fs.readFileSync(f));
  return path.join(dir, `kiada-${name}-${hash.digest('hex').slice(0, 32)}.json`);
}

/** The JSON object kept in `file`, or undefined (none yet, unreadable, damaged). */
export function readCached(file: string | undefined): object | undefined {
  if (!file) return undefined;
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `value` in `file` (0600), whole or not at all, in the background: a failure costs the next start only. */
export function writeCached(file: string | undefined, value: unknown): void {
  if (!file) return;
  const text = JSON.stringify(value);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.promises.writeFile(tmp, text, { mode: 0o600 }).then(() => fs.promises.rename(tmp, file)).catch(() => fs.promises.rm(tmp, { force: true }).catch(() => {}));
}
