// The generated models' attribute maps (what schema.ts decodes by, and the OpenAPI documents are built from), from
// @kubernetes/client-node. Importing its models is ~750 modules, ~130 ms of the daemon's start: the daemon keeps
// their maps as one JSON file in its cache directory (cache-file.ts), named by a hash of client-node's own files,
// and reads that (~2 ms) while client-node is the same.
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { cacheFile, readCached, writeCached } from '../cache-file.ts';

export interface Attr { name: string; baseName: string; type: string; format: string }
export type Models = Record<string, { attributeTypeMap?: Attr[] } | undefined>;

const ALL = createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/gen/models/all.js');
/** What the maps depend on: client-node's version (its package.json) and its list of models. */
const SOURCES = [path.resolve(ALL, '../../../../package.json'), ALL];

/** The models by name; `cacheDir`: where the daemon keeps them (none: imported, as in tests). */
export async function loadModels(cacheDir?: string): Promise<Models> {
  const file = cacheFile(cacheDir, 'models', SOURCES);
  const cached = readCached(file);
  if (cached && !Array.isArray(cached)) return cached as Models;
  const all = (await import(pathToFileURL(ALL).href)) as Record<string, { attributeTypeMap?: Attr[] }>;
  const models: Models = {};
  for (const [name, m] of Object.entries(all)) {
    if (Array.isArray(m?.attributeTypeMap)) models[name] = { attributeTypeMap: m.attributeTypeMap.map(({ name: n, baseName, type, format }) => ({ name: n, baseName, type, format })) };
  }
  writeCached(file, models);
  return models;
}
