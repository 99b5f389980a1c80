// What the daemon keeps in its cache directory (cache-file.ts): the models' attribute maps (api/schema-models.ts)
// and the parsed default RBAC policy (auth/bootstrap-policy.ts) hold the same as what they are made from, are read
// back instead of made again, are the daemon's alone (0600), and a damaged file is made anew.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModels } from '../../src/api/schema-models.ts';
import { bootstrapPolicy } from '../../src/auth/bootstrap-policy.ts';
import { waitFor } from '../../src/testing.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-models-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const files = (name = 'models') => fs.readdirSync(dir).filter((f) => f.startsWith(`kiada-${name}-`) && f.endsWith('.json'));

describe('the models\' attribute maps, kept by the daemon', () => {
  it('are client-node\'s, written once to the cache directory and read back from it', async () => {
    const imported = await loadModels();
    expect(Object.keys(imported).length).toBeGreaterThan(700);
    expect(imported.V1Pod!.attributeTypeMap!.find((a) => a.baseName === 'spec')).toEqual({ name: 'spec', baseName: 'spec', type: 'V1PodSpec', format: '' });
    expect(await loadModels(dir)).toEqual(imported);
    const [file] = await waitFor('the cache file', async () => (files().length ? files() : undefined), 5_000);
    expect(file).toMatch(/^kiada-models-[0-9a-f]{32}\.json$/);
    expect(fs.statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    // Read back: what the file says is what the lab gets.
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    fs.writeFileSync(path.join(dir, file), text.replace('"baseName":"spec","type":"V1PodSpec"', '"baseName":"spec","type":"V1PodSpecMarked"'));
    expect((await loadModels(dir)).V1Pod!.attributeTypeMap!.find((a) => a.baseName === 'spec')!.type).toBe('V1PodSpecMarked');
  });

  it('a damaged file is not used, and is made anew', async () => {
    const [file] = files();
    fs.writeFileSync(path.join(dir, file), '{"V1Pod": ');
    const models = await loadModels(dir);
    expect(models.V1Pod!.attributeTypeMap!.find((a) => a.baseName === 'spec')!.type).toBe('V1PodSpec');
    await waitFor('the file made anew', async () => fs.readFileSync(path.join(dir, file), 'utf8').endsWith('}'), 5_000);
    expect(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))).toEqual(models);
    expect(files()).toEqual([file]);
  });

  it('the default policy, parsed from its YAML once, then read back', async () => {
    const parsed = bootstrapPolicy();
    expect(parsed.clusterRoles.some((r) => r.metadata.name === 'cluster-admin')).toBe(true);
    expect(bootstrapPolicy(dir)).toEqual(parsed);
    const [file] = await waitFor('the cache file', async () => (files('bootstrap-policy').length ? files('bootstrap-policy') : undefined), 5_000);
    expect(fs.statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(dir, file), 'utf8').replace('"name":"cluster-admin"', '"name":"cluster-admin-marked"'));
    const read = bootstrapPolicy(dir);
    expect(read.clusterRoles.some((r) => r.metadata.name === 'cluster-admin-marked')).toBe(true);
    // Fresh copies each time: a caller's change is not the next one's.
    read.clusterRoles[0].metadata.name = 'changed';
    expect(bootstrapPolicy(dir).clusterRoles[0].metadata.name).not.toBe('changed');
  });
});
