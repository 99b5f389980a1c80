// No Docker engine runs here, so the Dockerfile is checked by parsing it, and its payload (the compiled app)
// is built and run the way the image runs it.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { DockerfileParser, type Copy } from 'dockerfile-ast';

const ROOT = path.resolve(import.meta.dirname, '..');
const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const stages = dockerfile.getFROMs();
const lastStageStart = stages.at(-1)!.getRange().start.line;
const finalStage = instructions.filter((i) => i.getRange().start.line >= lastStageStart);
const args = (keyword: string, list = instructions) => list.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
// COPY's --from flag is not part of its arguments: read it from the instruction.
const copies = (list = instructions) =>
  list.filter((i): i is Copy => i.getKeyword() === 'COPY').map((c) => ({ from: c.getFromFlag()?.getValue() ?? null, args: c.getArgumentsContent() ?? '' }));

describe('Dockerfile', () => {
  it('is multi-stage on an exact node:24 alpine version, the same Node 24 as the project', () => {
    expect(stages.length).toBe(2);
    const nodeVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/node/package.json'), 'utf8')).version;
    for (const from of stages) {
      expect(from.getImageName()).toBe('node');
      expect(from.getImageTag()).toBe(`${nodeVersion}-alpine`);
    }
  });

  it('runs as a non-root user, exposes 8080, starts in exec form', () => {
    expect(args('USER', finalStage)).toEqual(['node']);
    expect(args('EXPOSE', finalStage)).toEqual(['8080']);
    const cmd = args('CMD', finalStage);
    expect(cmd).toEqual(['["node", "dist/main.js"]']);
    expect(JSON.parse(cmd[0])).toEqual(['node', 'dist/main.js']);
    expect(args('LABEL', finalStage).join(' ')).toContain('org.opencontainers.image.title="kiada"');
  });

  it('ships compiled JavaScript, assets and production dependencies only', () => {
    const final = copies(finalStage);
    expect(final.map((c) => c.from)).toEqual(['build', 'build', 'build', 'build']);
    expect(final.map((c) => c.args.split(/\s+/)[0])).toEqual([
      '/src/node_modules',
      '/src/apps/kiada/package.json',
      '/src/apps/kiada/dist',
      '/src/apps/kiada/public',
    ]);
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain('--omit=dev --workspace @kiada/app');
  });

  it('copies only files that exist and holds no secret', () => {
    for (const c of copies().filter((c) => c.from === null)) {
      for (const src of c.args.split(/\s+/).slice(0, -1)) expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
    }
    expect(args('ENV').join(' ')).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY/i);
    expect(args('ARG').join(' ')).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY/i);
  });

  describe('its payload', () => {
    const out = path.join(ROOT, 'apps/kiada', `dist-test-${process.pid}`);
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it('compiles with the build stage command and serves the book line with plain node', async () => {
      execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'apps/kiada/tsconfig.build.json'), '--outDir', out], { stdio: 'pipe' });
      expect(fs.readdirSync(out).sort()).toEqual(['app.js', 'config.js', 'index.js', 'log.js', 'main.js', 'server.js']);
      expect(fs.readFileSync(path.join(out, 'main.js'), 'utf8')).toMatch(/from ["']\.\/server\.js["']/);
      const child = spawn(process.execPath, ['--no-experimental-strip-types', path.join(out, 'main.js'), '--port', '0', '--bind', 'loopback'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let stdout = '';
        child.stdout.on('data', (c) => (stdout += c));
        const end = Date.now() + 10_000;
        while (!/Listening on port (\d+)/.test(stdout) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        const port = Number(/Listening on port (\d+)/.exec(stdout)![1]);
        const body = await new Promise<string>((resolve, reject) =>
          http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
            let b = '';
            res.on('data', (c) => (b += c)).on('end', () => resolve(b));
          }).on('error', reject),
        );
        expect(body).toMatch(/^Kiada version 0\.1\. Request processed by "[^"]+"\. Client IP: 127\.0\.0\.1\n$/);
        const exited = new Promise((r) => child.once('exit', (code) => r(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
    }, 60_000);
  });
});
