// The models' attribute maps (api/schema-models.ts): the daemon's copy in its cache directory holds the same as
// client-node's models, is read back instead of importing them, is the daemon's alone (0600), and a damaged one
// is made anew.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModels } from '../../src/api/schema-models.ts';
import { waitFor } from '../../src/testing.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-models-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const files = () => fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

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
    expect(fs.readdirSync(dir)).toEqual([file]);
  });
});
