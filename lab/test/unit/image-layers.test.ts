// Image layers (net/image-layers.ts): a layer's path at once, its files copied beside other work; a container waits
// only for the layers it binds; a failed copy is said to the container that needs it and made anew next time; the
// copy keeps links and modes as they are. And the lab asks for its images' layers as it starts (preloadImages).
import { describe, it, expect, afterEach, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageLayers, copyInto } from '../../src/net/image-layers.ts';
import { preloadImages } from '../../src/kubelet/image-sources.ts';
import { REPO_ROOT } from '../../src/paths.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-layers-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fill that waits for `release()` before it writes its file. */
function gate() {
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  return { release, fill: async (dir: string) => { await open; fs.writeFileSync(path.join(dir, 'f'), 'x'); } };
}

describe('image layers', () => {
  it('gives the path at once, fills it once, and a container waits only for the layers it binds', async () => {
    const layers = new ImageLayers(path.join(tmp(), 'layers'));
    const a = gate();
    let fills = 0;
    const dir = layers.layer('a', (d) => (fills++, a.fill(d)));
    expect(layers.layer('a', async () => void fills++)).toBe(dir);
    expect(fs.existsSync(dir)).toBe(false);
    // Another layer's container does not wait for this one.
    const b = layers.layer('b', async (d) => fs.writeFileSync(path.join(d, 'f'), 'y'));
    await layers.ready([path.join(b, 'f'), '/usr/bin']);
    let ready = false;
    const waiting = layers.ready([path.join(dir, 'f')]).then(() => (ready = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(ready).toBe(false);
    a.release();
    await waiting;
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('x');
    expect(fs.readdirSync(path.dirname(dir)).sort()).toEqual(['a', 'b']);
    expect(fills).toBe(1);
  });

  it('a failed fill is the error of the container that needs it, leaves nothing, and is made anew next time', async () => {
    const layers = new ImageLayers(path.join(tmp(), 'layers'));
    const dir = layers.layer('npm-x', async (d) => {
      fs.writeFileSync(path.join(d, 'half'), '');
      throw new Error('No space left on device');
    });
    await expect(layers.ready([dir])).rejects.toThrow('cannot make the image layer npm-x: No space left on device');
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
    layers.layer('npm-x', async (d) => fs.writeFileSync(path.join(d, 'f'), 'ok'));
    await layers.ready([dir]);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['npm-x']);
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });

  it('settled() waits for a copy under way, so the directory can go after it', async () => {
    const root = tmp();
    const layers = new ImageLayers(path.join(root, 'layers'));
    const a = gate();
    const dir = layers.layer('a', a.fill);
    let settled = false;
    const done = layers.settled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    a.release();
    await done;
    expect(fs.existsSync(path.join(dir, 'f'))).toBe(true);
  });

  it('refuses a layer name that is not a plain file name', () => {
    const layers = new ImageLayers(path.join(tmp(), 'layers'));
    expect(() => layers.layer('../x', async () => {})).toThrow('bad layer name "../x"');
  });

  it('copyInto copies trees as they are: links stay links, modes are kept', async () => {
    const src = path.join(tmp(), 'pkg');
    fs.mkdirSync(path.join(src, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(src, 'bin', 'run'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(src, 'data'), 'd', { mode: 0o600 });
    fs.symlinkSync('../data', path.join(src, 'bin', 'link'));
    const to = tmp();
    await copyInto(to, [src]);
    const mode = (p: string) => fs.lstatSync(path.join(to, 'pkg', p)).mode & 0o7777;
    expect(mode('bin/run')).toBe(0o755);
    expect(mode('data')).toBe(0o600);
    expect(fs.readlinkSync(path.join(to, 'pkg', 'bin', 'link'))).toBe('../data');
    await expect(copyInto(to, [path.join(src, 'missing')])).rejects.toThrow(/`setpriv --pdeathsig KILL -- cp .*missing` failed: cp: cannot stat/);
  });

  it('the lab asks for the layers of its images as it starts: kiada\'s dependencies', async () => {
    const asked: string[] = [];
    await preloadImages({ repoRoot: REPO_ROOT, layer: (name) => (asked.push(name), `/nonexistent/${name}`) });
    // Named by the content of the packages it holds: another content is another layer.
    expect(asked).toEqual([expect.stringMatching(/^npm-apps-kiada-[0-9a-f]{16}$/)]);
  });

  it('the name is the same whether worked out as the lab starts or when a container first asks', async () => {
    const named = async (how: 'preload' | 'first ask') => {
      vi.resetModules();
      const m = await import('../../src/kubelet/image-sources.ts');
      const asked: string[] = [];
      const ctx = { repoRoot: REPO_ROOT, layer: (name: string) => (asked.push(name), `/nonexistent/${name}`) };
      if (how === 'preload') await m.preloadImages(ctx);
      else m.sourcePath({ npmClosure: '@kiada/app' }, ctx);
      return asked;
    };
    const early = await named('preload');
    expect(await named('first ask')).toEqual(early);
  });

  it('a layer that is there already (an earlier lab\'s) is used as it is; what a killed daemon half-made goes', async () => {
    const root = path.join(tmp(), 'layers');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'f'), 'earlier');
    // A dead daemon's partial copy of b, and one a live lab is making.
    fs.mkdirSync(path.join(root, 'b.2147483646.partial'));
    fs.mkdirSync(path.join(root, `b.${process.ppid}.partial`));
    const layers = new ImageLayers(root);
    let filled = 0;
    const a = layers.layer('a', async () => void filled++);
    const b = layers.layer('b', async (d) => fs.writeFileSync(path.join(d, 'f'), 'new'));
    await layers.ready([a, b]);
    expect(filled).toBe(0);
    expect(fs.readFileSync(path.join(a, 'f'), 'utf8')).toBe('earlier');
    expect(fs.readFileSync(path.join(b, 'f'), 'utf8')).toBe('new');
    expect(fs.readdirSync(root).sort()).toEqual(['a', 'b', `b.${process.ppid}.partial`]);
  });
});
