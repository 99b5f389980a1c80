// The generated models' attribute maps (what schema.ts decodes by, and the OpenAPI documents are built from), from
// @kubernetes/client-node. Importing its models is ~750 modules, ~130 ms of the daemon's start: the daemon keeps
// their maps as one JSON file in its cache directory (root's alone, Node's compile cache: registry.ts), named by a
// hash of client-node's own files, and reads that (~2 ms) while client-node is the same.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface Attr { name: string; baseName: string; type: string; format: string }
export type Models = Record<string, { attributeTypeMap?: Attr[] } | undefined>;

const ALL = createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/gen/models/all.js');
/** What the file depends on: client-node's version (its package.json) and its list of models, and this format. */
function cacheFile(dir: string): string {
  const hash = createHash('sha256').update('attributeTypeMap v1\n');
  for (const f of [path.resolve(ALL, '../../../../package.json'), ALL]) hash.update(fs.readFileSync(f));
  return path.join(dir, `kiada-models-${hash.digest('hex').slice(0, 32)}.json`);
}

/** The models by name; `cacheDir`: where the daemon keeps them (none: imported, as in tests). */
export async function loadModels(cacheDir?: string): Promise<Models> {
  const file = cacheDir ? cacheFile(cacheDir) : undefined;
  if (file) {
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      if (cached && typeof cached === 'object' && !Array.isArray(cached)) return cached as Models;
    } catch {
      /* not made yet (or unreadable): imported below, and made */
    }
  }
  const all = (await import(pathToFileURL(ALL).href)) as Record<string, { attributeTypeMap?: Attr[] }>;
  const models: Models = {};
  for (const [name, m] of Object.entries(all)) {
    if (Array.isArray(m?.attributeTypeMap)) models[name] = { attributeTypeMap: m.attributeTypeMap.map(({ name: n, baseName, type, format }) => ({ name: n, baseName, type, format })) };
  }
  if (file) {
    // Whole or not at all: a temporary file renamed into place. A failure costs the next start its ~130 ms only.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.promises.writeFile(tmp, JSON.stringify(models), { mode: 0o600 }).then(() => fs.promises.rename(tmp, file)).catch(() => fs.promises.rm(tmp, { force: true }).catch(() => {}));
  }
  return models;
}
