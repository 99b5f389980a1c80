// The Dockerfile is checked by parsing it, its payload (the compiled app) is built and run the way the image runs
// it, and its `deps` stage runs for real in a temp dir. KIADA_TEST_IMAGE=kiada:0.1 also checks a built image with a
// Docker engine (CI builds one on a stand-in base image: .ci/run, scripts/image-standin.sh).
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { DockerfileParser, type Copy } from 'dockerfile-ast';
import { lockClosure, installedPackages, danglingLinks } from './node-modules.ts';
import { IMAGES } from '@kiada/lab/testing.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The book's commands that run in the kiada container: `kubectl exec kiada -- curl -s localhost:8080`, `kubectl exec -it kiada -- bash`. */
const CHAPTER_EXEC = [['curl', '-s', 'localhost:8080'], ['bash']];
const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const stages = dockerfile.getFROMs();
/** The instructions of the stage that starts with `from` (up to the next FROM). */
const stageOf = (from: (typeof stages)[number]) => {
  const start = from.getRange().start.line;
  const next = stages.find((f) => f.getRange().start.line > start)?.getRange().start.line ?? Infinity;
  return instructions.filter((i) => i.getRange().start.line > start && i.getRange().start.line < next);
};
const finalStage = stageOf(stages.at(-1)!);
const depsStage = stageOf(stages.find((f) => f.getBuildStage() === 'deps')!);
const args = (keyword: string, list = instructions) => list.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
// COPY's --from flag is not part of its arguments: read it from the instruction.
const copies = (list = instructions) =>
  list.filter((i): i is Copy => i.getKeyword() === 'COPY').map((c) => ({ from: c.getFromFlag()?.getValue() ?? null, args: c.getArgumentsContent() ?? '' }));

describe('Dockerfile', () => {
  it('is multi-stage on an exact node:24 version and Alpine release, the same Node 24 as the project', () => {
    expect(stages.map((f) => f.getBuildStage())).toEqual(['build', 'deps', null]);
    const nodeVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/node/package.json'), 'utf8')).version;
    for (const from of stages) {
      expect(from.getImageName()).toBe('node');
      // The Alpine release in the tag: the repository `apk add` installs from (`-alpine` alone moves).
      expect(from.getImageTag()).toMatch(new RegExp(`^${nodeVersion.replace(/\./g, '\\.')}-alpine3\\.\\d+$`));
      expect(from.getImageTag()).toBe(stages[0].getImageTag());
    }
  });

  it("carries the programs of the chapter's exec commands (the book's image has them), installed as root", () => {
    // What each program of CHAPTER_EXEC is called in Alpine's package index (checked by name in the index of the
    // release the tag names: main/curl, main/bash).
    const apkPackage: Record<string, string> = { curl: 'curl', bash: 'bash' };
    const runs = args('RUN', finalStage);
    const apk = runs.map((r) => /^apk add (.*)$/.exec(r)?.[1]).filter((r) => r !== undefined);
    expect(apk).toHaveLength(1);
    const words = apk[0].split(/\s+/);
    // No index left in the image; every package pinned to a major version (apk's `~`, a prefix match).
    expect(words[0]).toBe('--no-cache');
    const pkgs = words.slice(1).map((w) => /^([a-z0-9-]+)~\d+$/.exec(w)?.[1] ?? `unpinned:${w}`);
    expect(pkgs.sort()).toEqual([...new Set(CHAPTER_EXEC.map((argv) => apkPackage[argv[0]]))].sort());
    // apk needs root: the step comes before USER.
    const line = (k: string) => finalStage.find((i) => i.getKeyword() === k)!.getRange().start.line;
    expect(line('RUN')).toBeLessThan(line('USER'));
  });

  it('runs as a numeric non-root user (runAsNonRoot can check it), exposes 8080, starts in exec form', () => {
    expect(args('USER', finalStage)).toEqual(['1000:1000']);
    expect(args('EXPOSE', finalStage)).toEqual(['8080']);
    const cmd = args('CMD', finalStage);
    expect(cmd).toEqual(['["node", "dist/main.js"]']);
    expect(JSON.parse(cmd[0])).toEqual(['node', 'dist/main.js']);
    expect(args('LABEL', finalStage).join(' ')).toContain('org.opencontainers.image.title="kiada"');
  });

  it('ships compiled JavaScript, assets and the deps stage\'s node_modules only', () => {
    expect(copies(finalStage)).toEqual([
      { from: 'deps', args: '/src/node_modules ./node_modules' },
      { from: null, args: 'apps/kiada/package.json ./package.json' },
      { from: 'build', args: '/src/apps/kiada/dist ./dist' },
      { from: null, args: 'apps/kiada/public ./public' },
    ]);
  });

  it('copies only files that exist and holds no secret', () => {
    for (const c of copies().filter((c) => c.from === null)) {
      for (const src of c.args.split(/\s+/).slice(0, -1)) expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
    }
    expect(args('ENV').join(' ')).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY/i);
    expect(args('ARG').join(' ')).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY/i);
  });

  describe('its dependencies', () => {
    // What the image must hold in /app/node_modules: the app's dependency closure as the lockfile pins it.
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    const expected = lockClosure(lock, 'apps/kiada');

    it('are express 5 and what it requires, nothing else', () => {
      expect(Object.keys(lock.packages['apps/kiada'].dependencies)).toEqual(['express']);
      expect(expected.find((p) => p.startsWith('node_modules/express@'))).toMatch(/^node_modules\/express@5\./);
      // Not express's: what the tools workspace or the app's devDependencies bring.
      for (const name of ['@types/node', 'form-data', 'undici-types', '@kubernetes/client-node', 'supertest']) {
        expect(expected.some((p) => p.startsWith(`node_modules/${name}@`)), name).toBe(false);
      }
    });

    it('are what the deps stage installs, run for real: the closure, no link left dangling', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-deps-stage-'));
      try {
        // The stage's COPY instructions (context → WORKDIR /src), then its RUN commands in a shell, as docker runs them.
        for (const c of copies(depsStage)) {
          expect(c.from).toBe(null);
          const srcs = c.args.split(/\s+/);
          const dest = srcs.pop()!;
          for (const src of srcs) {
            const to = path.join(dir, dest, dest.endsWith('/') ? path.basename(src) : '');
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.copyFileSync(path.join(ROOT, src), to);
          }
        }
        // The image's Node 24 first on the PATH; no npm_* variables of the npm that runs this test.
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
        env.PATH = `${path.dirname(process.execPath)}:${env.PATH}`;
        for (const run of args('RUN', depsStage)) execFileSync('sh', ['-c', run], { cwd: dir, env, stdio: 'pipe' });
        const shipped = path.join(dir, 'node_modules');
        expect(installedPackages(shipped)).toEqual(expected);
        expect(danglingLinks(shipped)).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  });

  // Opt-in locally: a Docker engine and an image built from this Dockerfile (`docker build -t kiada:0.1 .`). CI builds
  // one on a stand-in base image (scripts/image-standin.sh) and sets KIADA_TEST_IMAGE: there a missing one fails.
  const image = process.env.KIADA_TEST_IMAGE;
  if (!image && process.env.CI === 'true') throw new Error('CI must check the built image: KIADA_TEST_IMAGE is not set (.ci/run builds kiada:0.1)');
  describe.skipIf(!image)(`the built image ${image ?? '(set KIADA_TEST_IMAGE=kiada:0.1 to check one)'}`, () => {
    // Containers are named kiada-test-<pid>-<role>: each test removes its own by name (`docker run` can fail after
    // creating one, before its id is known), and afterAll again, for a test that timed out before its finally ran.
    const names = new Set<string>();
    const containerName = (role: string) => {
      const name = `kiada-test-${process.pid}-${role}`;
      names.add(name);
      return name;
    };
    const removeContainer = (name: string) => spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    afterAll(() => names.forEach(removeContainer));
    const docker = (argv: string[]) => execFileSync('docker', argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

    it('runs as 1000:1000 and holds exactly the closure in /app/node_modules, no link left dangling', () => {
      expect.soft(docker(['image', 'inspect', '--format', '{{.Config.User}}', image!])).toBe('1000:1000\n');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-image-'));
      const name = containerName('cp');
      try {
        docker(['create', '--name', name, image!]);
        docker(['cp', `${name}:/app/node_modules`, dir]);
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
        expect(installedPackages(path.join(dir, 'node_modules'))).toEqual(lockClosure(lock, 'apps/kiada'));
        expect(danglingLinks(path.join(dir, 'node_modules'))).toEqual([]);
      } finally {
        removeContainer(name);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it("runs the chapter's exec commands as the pod runs the image: curl -s localhost:8080, bash", async () => {
      // Its own network namespace with only a loopback (--network none): the app's 8080 clashes with nothing here.
      const name = containerName('run');
      const dockerExec = (argv: string[]) => docker(['exec', name, ...argv]);
      try {
        docker(['run', '-d', '--name', name, '--network', 'none', '--hostname', 'kiada', '--user', '1000:1000', '--read-only',
          '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', image!]);
        const end = Date.now() + 20_000;
        while (!docker(['logs', name]).includes('Listening on port 8080') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
        expect(dockerExec(CHAPTER_EXEC[0])).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
        expect(dockerExec([...CHAPTER_EXEC[1], '-c', 'echo ok'])).toBe('ok\n');
      } finally {
        removeContainer(name);
      }
    }, 60_000);
  });

  describe('its payload', () => {
    const out = path.join(ROOT, 'apps/kiada', `dist-test-${process.pid}`);
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it('compiles with the build stage command and serves the book line with plain node', async () => {
      execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'apps/kiada/tsconfig.build.json'), '--outDir', out], { stdio: 'pipe' });
      expect(fs.readdirSync(out).sort()).toEqual(['app.js', 'config.js', 'handler.js', 'log.js', 'main.js', 'responses.js', 'server.js']);
      expect(fs.readFileSync(path.join(out, 'main.js'), 'utf8')).toMatch(/(from |import\()["']\.\/server\.js["']/); // the .ts import rewritten to .js (static or lazy)
      const child = spawn(process.execPath, ['--no-experimental-strip-types', path.join(out, 'main.js'), '--port', '0', '--bind', 'loopback'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let stdout = '';
        child.stdout.on('data', (c) => (stdout += c));
        const end = Date.now() + 10_000;
        while (!/Listening on port (\d+)/.test(stdout) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        const port = Number(/Listening on port (\d+)/.exec(stdout)![1]);
        const get = (p: string) => new Promise<string>((resolve, reject) =>
          http.get({ host: '127.0.0.1', port, path: p }, (res) => {
            let b = '';
            res.on('data', (c) => (b += c)).on('end', () => resolve(b));
          }).on('error', reject),
        );
        expect(await get('/')).toMatch(/^Kiada version 0\.1\. Request processed by "[^"]+"\. Client IP: 127\.0\.0\.1\n$/);
        // The express app, which the compiled handler loads at the first request its hot path does not answer.
        expect(await get('/nope')).toBe('/nope not found');
        const exited = new Promise((r) => child.once('exit', (code) => r(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
    }, 60_000);
  });

  // The lab runs no image: its table (lab/src/kubelet/image-table.ts) says what the image holds, and must say
  // what this Dockerfile builds. The one difference on purpose: the lab runs the TypeScript the build compiles.
  describe('as the lab\'s image table has it', () => {
    const kiada = IMAGES.kiada;
    const workdir = args('WORKDIR', finalStage);
    const env = Object.fromEntries(args('ENV', finalStage).map((e) => e.split('=') as [string, string]));
    const base = stages.at(-1)!;

    it('the same base image, Node version, packages, WORKDIR, USER and ENV', () => {
      expect(`${base.getImageName()}:${base.getImageTag()}`).toBe(kiada.base);
      expect(base.getImageTag()!.startsWith(`${kiada.env.NODE_VERSION}-alpine`)).toBe(true);
      // apk add <name>~<major>: the lab's container has them as this machine's programs.
      const apk = args('RUN', finalStage).filter((r) => r.startsWith('apk add'));
      expect(apk.flatMap((r) => r.split(/\s+/).slice(2).filter((w) => !w.startsWith('-')).map((w) => w.replace(/[~=<>].*$/, '')))).toEqual(kiada.packages);
      expect(kiada.env.NODE_VERSION).toBe(process.version.slice(1));
      expect(workdir).toEqual([kiada.workdir]);
      expect(args('USER', finalStage)).toEqual([kiada.user]);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(env)) expect(kiada.env[k], k).toBe(v);
    });

    it('the same command: the base image\'s entrypoint (the Dockerfile sets none), CMD with dist/main.js run as the .ts it is built from', () => {
      expect(args('ENTRYPOINT')).toEqual([]);
      expect(kiada.entrypoint).toEqual(['docker-entrypoint.sh']);
      expect(kiada.files.find((f) => f.path === '/usr/local/bin/docker-entrypoint.sh')).toBeDefined();
      expect(kiada.cmd.map((a) => a.replace(/^dist\/(.*)\.ts$/, 'dist/$1.js'))).toEqual(JSON.parse(args('CMD', finalStage)[0]));
    });

    it('the same files in the WORKDIR, each from where the Dockerfile takes it', () => {
      // COPY <src> ./<dest> in the final stage → the table's /app/<dest>.
      const fromDockerfile = copies(finalStage).map((c) => {
        const [src, dest] = c.args.split(/\s+/);
        const at = path.posix.join(workdir[0], dest);
        if (c.from === 'deps') return [at, { npmClosure: '@kiada/app' }];
        // The build stage compiles apps/kiada/src (tsconfig.build.json's rootDir) into its dist; the lab takes the
        // app's files from the package @kiada/app, whose folder is apps/kiada.
        if (c.from === 'build') return [at, { pkg: '@kiada/app', path: src.replace(/^\/src\/apps\/kiada\/dist$/, 'src') }];
        return [at, { pkg: '@kiada/app', path: src.replace(/^apps\/kiada\//, '') }];
      });
      const inWorkdir = kiada.files.filter((f) => f.path.startsWith(`${workdir[0]}/`)).map((f) => [f.path, f.from]);
      expect(inWorkdir.sort()).toEqual(fromDockerfile.sort());
      expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'apps/kiada/tsconfig.build.json'), 'utf8')).compilerOptions.rootDir).toBe('src');
      expect(depsStage.some((i) => i.getKeyword() === 'RUN' && (i.getArgumentsContent() ?? '').includes('--workspace @kiada/app'))).toBe(true);
    });
  });
});
