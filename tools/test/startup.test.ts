// What the CLI loads as it starts, exactly — every module URL through a module hook and every Node built-in from
// process.moduleLoadList (fixtures/record-loads.mjs): --version, --help, completion and a wrong argument load no
// command's module and nothing of @kubernetes/client-node; pod-ip reads a kubeconfig and GETs a pod without client-node's
// API models, undici or HTTP/2. With the bundle `npm install` makes (tools/scripts/bundle.js) and from the sources.
// Then: when the bin takes the bundle, and the stand-ins the bundle puts where a module is imported but not used.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshCliEntry, CLI_DIR, ROOT, sha256 } from '../scripts/bundled.cjs';
import { lazyObject, lazyFunction } from '../scripts/lazy-module.js';
import { WebSocketServer } from 'ws';
import { API_COMMANDS } from '../src/api-commands.ts';

const execFileSyncText = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8' });
const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const HOOK = path.join(import.meta.dirname, 'fixtures', 'record-loads.mjs');
const GC_HOOK = path.join(import.meta.dirname, 'fixtures', 'count-gcs.mjs');
// Loading any of these at start-up is what the bundle avoids (`net` and `stream` come with a piped stdout).
const HEAVY_BUILTINS = ['http2', 'child_process', 'zlib', 'dns', 'vm', 'worker_threads', 'perf_hooks', 'readline'];

interface Loads {
  code: number;
  stdout: string;
  stderr: string;
  urls: string[];
  builtins: string[];
}

let tmp: string;
beforeAll(() => void (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-startup-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): Promise<Loads> {
  const file = path.join(tmp, `loads-${Math.random().toString(36).slice(2)}.json`);
  return new Promise((resolve) =>
    execFile(process.execPath, ['--import', pathToFileURL(HOOK).href, BIN, ...args], { env: { ...process.env, NO_COLOR: '1', KIADA_LOADS: file, ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ...JSON.parse(fs.readFileSync(file, 'utf8')) }),
    ),
  );
}

/** A package's name from a path through node_modules; else the path from the repository's root. */
function source(p: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p);
  return m ? m[1] : p;
}

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
const metafile = () => JSON.parse(fs.readFileSync(path.join(CLI_DIR, 'metafile.json'), 'utf8')) as Metafile;

/** The inputs (paths from the repository's root) the loaded files of the bundle were made of (esbuild's metafile). */
function bundledPaths(urls: string[]): string[] {
  const byName = new Map(Object.entries(metafile().outputs).map(([out, o]) => [path.basename(out), Object.keys(o.inputs)]));
  const loaded = urls.filter((u) => u.startsWith('file:') && fileURLToPath(u).startsWith(CLI_DIR + path.sep)).map((u) => path.basename(fileURLToPath(u)));
  return loaded.flatMap((f) => byName.get(f) ?? [f]);
}

/** The files of client-node loaded from the bundle, from its dist/. */
const clientNodeFiles = (urls: string[]) => bundledPaths(urls).filter((p) => p.includes('@kubernetes/client-node/')).map((p) => p.replace(/.*@kubernetes\/client-node\/dist\//, '')).sort();

/** The same, packages by name. */
const bundledSources = (urls: string[]) => [...new Set(bundledPaths(urls).map(source))].sort();

/** The files Node loaded from the sources: packages by name, ours by path from the repository's root. */
function sourceFiles(urls: string[]): string[] {
  return [...new Set(urls.filter((u) => u.startsWith('file:')).map((u) => source(path.relative(ROOT, fs.realpathSync(fileURLToPath(u))))))].sort();
}

// Names without a path; not the bundle's stand-ins (builtin:node:fs, lazy-package:undici?config.js …).
const packagesIn = (sources: string[]) => sources.filter((s) => !s.includes(':') && (!s.includes('/') || s.startsWith('@')));
const commandsIn = (sources: string[]) => sources.filter((s) => s.startsWith('tools/src/commands/'));

/** The bundle `npm install` made, if it is there and current; CI must have it. */
function bundled(): boolean {
  if (freshCliEntry()) return true;
  if (process.env.CI === 'true') throw new Error('no current CLI bundle: the root prepare script (npm install) did not run, or did not succeed');
  console.warn('skipped: the CLI bundle is missing or older than the sources (run `npm run prepare`)');
  return false;
}

/**
 * An API server for pod kiada and a one-off client pod that runs at once: the calls of pod-ip, logs and
 * curl-from-pod, answered as the lab answers them (an http: server: TLS is not what these tests are about).
 */
async function apiServer(): Promise<{ kubeconfig: string; flowKubeconfig: string; connections(): number; close(): void }> {
  const json = (res: http.ServerResponse, code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const kiada = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'kiada' }, spec: { containers: [{ name: 'kiada', ports: [{ containerPort: 8080 }] }] }, status: { phase: 'Running', podIP: '10.244.1.1' } };
  const done = { metadata: { name: 'client-pod', uid: 'ours' }, status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { exitCode: 0 } } }] } };
  // A client-pod of someone else's that ended and went just before ours was made: the watch, opened beside the
  // create, sees it first, and must not take it for ours.
  const before = { metadata: { name: 'client-pod', uid: 'theirs' }, status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 7 } } }] } };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const pods = '/api/v1/namespaces/default/pods';
    if (req.method === 'GET' && url.pathname === `${pods}/kiada`) return json(res, 200, kiada);
    if (req.method === 'GET' && url.pathname === `${pods}/kiada/log`) return res.end('Listening on port 8080\n');
    if (req.method === 'POST' && url.pathname === pods) return req.resume().on('end', () => json(res, 201, { metadata: { name: 'client-pod', uid: 'ours' } }));
    if (req.method === 'GET' && url.pathname === pods && url.searchParams.get('watch') === 'true') {
      return res.end([{ type: 'MODIFIED', object: before }, { type: 'DELETED', object: before }, { type: 'ADDED', object: done }].map((e) => JSON.stringify(e) + '\n').join(''));
    }
    if (req.method === 'GET' && url.pathname === `${pods}/client-pod/log`) return res.end('Kiada version 0.1.\n');
    if (req.method === 'DELETE' && url.pathname === `${pods}/client-pod`) return json(res, 200, done);
    json(res, 404, { kind: 'Status', status: 'Failure', reason: 'NotFound', message: `${req.method} ${req.url}`, code: 404 });
  });
  // exec's WebSocket, as the lab answers `hostname` (v5: stdout on channel 1, then the Success status on 3) — in the
  // same TCP segment as the 101, as a short command's output can come: the client reads them as it opens.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket, head) => {
    socket.cork();
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(Buffer.concat([Buffer.of(1), Buffer.from('kiada\n')]));
      ws.send(Buffer.concat([Buffer.of(3), Buffer.from(JSON.stringify({ status: 'Success' }))]));
      process.nextTick(() => socket.uncork());
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const kubeconfig = path.join(tmp, 'kubeconfig');
  const port = (server.address() as net.AddressInfo).port;
  fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: a\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n`);
  // The same in flow style, which lib/kubeconfig-yaml.ts leaves to client-node.
  const flowKubeconfig = path.join(tmp, 'kubeconfig-flow');
  fs.writeFileSync(flowKubeconfig, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: a}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n`);
  return { kubeconfig, flowKubeconfig, connections: () => connections, close: () => (server.close(), server.closeAllConnections()) };
}

const QUICK: [string[], number, RegExp][] = [
  [['--version'], 0, /^0\.1\.0\n$/],
  [['--help'], 0, /^Usage: kiada /],
  [['completion', 'bash'], 0, /complete -F _kiada kiada kubectl-kiada\n$/],
  [['nope'], 1, /^$/],
  [['ports', '--bogus'], 1, /^$/],
];
// The commands that only make HTTPS calls: the bin runs them from fast.cjs, the CLI and these commands in one file,
// read and run as a vm.Script (so not seen by the module hook), no chunk of the split bundle.
const FAST_COMMANDS = ['curl-from-pod', 'exec', 'logs', 'pod-ip', 'ports'].map((c) => `tools/src/commands/${c}.ts`);
/** What went into fast.cjs (esbuild's metafile): paths from the repository's root. */
const fastInputs = () => Object.keys(Object.entries(metafile().outputs).find(([out]) => out.endsWith('/fast.cjs'))![1].inputs);
/** The files of the bundle loaded, by name. */
const bundleFiles = (urls: string[]) => urls.filter((u) => u.startsWith('file:') && fileURLToPath(u).startsWith(CLI_DIR + path.sep)).map((u) => path.basename(fileURLToPath(u)));

describe('what a command loads, from the bundle', () => {
  it('--version, --help, completion and a wrong argument: commander and the CLI, no command, nothing of client-node (fast.cjs alone for the lines it runs)', async () => {
    if (!bundled()) return;
    for (const [args, code, stdout] of QUICK) {
      const r = await run(args);
      expect({ args, code: r.code, stdout: stdout.test(r.stdout) }).toEqual({ args, code, stdout: true });
      // The bin, the bundled.cjs it asks, and the bundle's files: nothing else from disk.
      expect(sourceFiles(r.urls).filter((f) => !f.startsWith('tools/.cache/cli/'))).toEqual(['tools/scripts/bundled.cjs', 'tools/src/bin/kiada.cjs']);
      const sources = bundledSources(r.urls);
      expect(r.builtins.filter((b) => (HEAVY_BUILTINS.includes(b) && b !== 'vm') || ['http', 'https', 'tls', 'crypto'].includes(b))).toEqual([]);
      if (args[0] !== 'nope') {
        // fast.cjs alone, as for `kiada ports` itself, through vm: no file of the bundle through Node's loader.
        expect(bundleFiles(r.urls)).toEqual([]);
        expect(r.builtins).toContain('vm');
        continue;
      }
      expect(packagesIn(sources)).toEqual(['commander']);
      expect(commandsIn(sources)).toEqual(['tools/src/commands/workshop/command.ts']);
    }
  });

  it('logs and curl-from-pod: over our HTTP/1.1 (lib/http-client.ts) — of client-node only the class of its API errors, as pod-ip', async () => {
    if (!bundled()) return;
    const api = await apiServer();
    try {
      for (const [args, stdout] of [[['logs', '--tail', '5'], 'Listening on port 8080\n'], [['curl-from-pod'], 'Kiada version 0.1.\npod "client-pod" deleted\n']] as const) {
        const r = await run([...args, '-q', '--kubeconfig', api.kubeconfig]);
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout, stderr: '' });
        expect(bundleFiles(r.urls)).toEqual([]); // fast.cjs, through vm
        expect(r.urls.filter((u) => /\/lazy-[\w-]+\.cjs$/.test(u))).toEqual([]);
        expect(r.builtins.filter((b) => HEAVY_BUILTINS.includes(b) && b !== 'vm')).toEqual([]);
        expect(r.builtins.filter((b) => /^_?https?(_|$)/.test(b))).toEqual([]); // node:http's client machinery: not loaded
      }
    } finally {
      api.close();
    }
  });

  it('exec: the GET of the pod and the WebSocket of the command on one connection (no second TLS handshake); output that comes with the 101 is not lost', async () => {
    if (!bundled()) return;
    const api = await apiServer();
    try {
      const r = await run(['exec', '-q', '--kubeconfig', api.kubeconfig, '--', 'hostname']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'kiada\n', stderr: '' });
      expect(api.connections()).toBe(1);
      // ws's frames without node:http (its feature test of a later Node's http.websocketMask loads nothing), and no
      // terminal's size asked for without -t.
      expect(r.builtins.filter((b) => ['http', 'https', 'tty', ...HEAVY_BUILTINS].includes(b) && b !== 'vm')).toEqual([]);
      for (let i = 0; i < 3; i++) expect((await run(['exec', '-q', '--kubeconfig', api.kubeconfig, '--', 'hostname'])).stdout).toBe('kiada\n');
    } finally {
      api.close();
    }
  });

  it("pod-ip and exec as a user runs them, through the bin's first line: without a garbage collection", async () => {
    if (!bundled()) return;
    const api = await apiServer();
    try {
      for (const args of [['pod-ip', '-q', '--kubeconfig', api.kubeconfig], ['exec', '-q', '--kubeconfig', api.kubeconfig, '--', 'hostname']]) {
        const file = path.join(tmp, `gcs-${args[0]}.json`);
        // The bin itself as the program (its `#!/usr/bin/env -S node --min-semi-space-size=2`), not `node BIN`.
        const env = { ...process.env, NO_COLOR: '1', KIADA_GCS: file, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(GC_HOOK).href}` };
        const stdout = await new Promise<string>((resolve, reject) => execFile(BIN, args, { env, encoding: 'utf8', timeout: 20_000 }, (err, out) => (err ? reject(err) : resolve(out))));
        expect(stdout).toMatch(/^(10\.244\.1\.1|kiada)\n$/);
        // V8's default young generation (1 MB) fills as node:tls loads: then a scavenge, ~1.5 ms of the command.
        expect({ command: args[0], ...JSON.parse(fs.readFileSync(file, 'utf8')) }).toEqual({ command: args[0], gcs: [], youngBytes: 2 * 1024 * 1024 });
      }
    } finally {
      api.close();
    }
  });

  it('pod-ip: a response cut short by the API server is an error on one line and exit 1, not a hang', async () => {
    if (!bundled()) return;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' }).write('{"kind":"Pod",');
      setTimeout(() => res.destroy(), 50);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const kubeconfig = path.join(tmp, 'kubeconfig-cut');
      fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${(server.address() as net.AddressInfo).port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: a\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n`);
      const r = await run(['pod-ip', '-q', '--kubeconfig', kubeconfig]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: '', stderr: 'Unable to connect to the server: aborted\n' });
    } finally {
      server.close();
    }
  });

  it('pod-ip: one file (fast.cjs), the kubeconfig read without client-node, one GET — of client-node only the class of its API errors', async () => {
    if (!bundled()) return;
    const api = await apiServer();
    try {
      const r = await run(['pod-ip', '-q', '--kubeconfig', api.kubeconfig]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '10.244.1.1\n', stderr: '' });
      // The bin and bundled.cjs through Node's loader; fast.cjs through vm; nothing else.
      expect(sourceFiles(r.urls)).toEqual(['tools/scripts/bundled.cjs', 'tools/src/bin/kiada.cjs']);
      expect(r.builtins.filter((b) => HEAVY_BUILTINS.includes(b) && b !== 'vm')).toEqual([]);
      expect(r.builtins.filter((b) => /^_?https?(_|$)/.test(b))).toEqual([]); // node:http's client machinery: not loaded
      // What is in fast.cjs: of client-node the class of its API errors, ws for exec (initialized only when exec runs:
      // pod-ip loaded no bufferutil above); the other commands' modules not (a stand-in that sends the bin to the whole CLI).
      const inputs = fastInputs();
      expect(packagesIn([...new Set(inputs.map(source))].sort())).toEqual(['@kubernetes/client-node', 'commander', 'http-parser-js', 'ws']);
      expect(inputs.filter((i) => i.includes('@kubernetes/client-node/')).map((i) => i.replace(/.*dist\//, ''))).toEqual(['gen/apis/exception.js']);
      expect(commandsIn(inputs).sort()).toEqual([...FAST_COMMANDS, 'tools/src/commands/completion.ts', 'tools/src/commands/workshop/command.ts'].sort());
    } finally {
      api.close();
    }
  });

  it('pod-ip with a kubeconfig left to client-node (flow style): KubeConfig and js-yaml, no API model, no undici, nothing loaded for proxies or logins', async () => {
    if (!bundled()) return;
    const api = await apiServer();
    try {
      const r = await run(['pod-ip', '-q', '--kubeconfig', api.flowKubeconfig]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '10.244.1.1\n', stderr: '' });
      const sources = bundledSources(r.urls);
      // fast.cjs finds it needs client-node: the split bundle runs instead (cli.js and its chunks), nothing printed
      // twice; a plain line still without commander (quick-parse.ts).
      expect(packagesIn(sources)).toEqual(['@kubernetes/client-node', 'http-parser-js', 'js-yaml', 'rfc4648']);
      expect(bundleFiles(r.urls)).toContain('cli.js');
      expect(r.builtins.filter((b) => HEAVY_BUILTINS.includes(b) && b !== 'vm')).toEqual([]);
      expect(commandsIn(sources)).toEqual(['tools/src/commands/pod-ip.ts']);
      // client-node as far as KubeConfig needs: its generated API groups and models are in the bundle, not loaded;
      // nor is any package it loads at first use (lazy-*.cjs: undici, the proxies', the logins').
      expect(Object.keys(metafile().inputs).some((i) => i.endsWith('gen/apis/CoreV1Api.js'))).toBe(true);
      expect(bundledPaths(r.urls).filter((i) => /gen\/(apis\/\w+Api|models\/V1Pod)\.js$/.test(i))).toEqual([]);
      expect(r.urls.filter((u) => /\/lazy-[\w-]+\.cjs$/.test(u))).toEqual([]);
    } finally {
      api.close();
    }
  });
});

describe('fast.cjs defines the command it runs alone', () => {
  it('and answers its help and mistakes byte for byte as the whole CLI does', async () => {
    if (!bundled()) return;
    const cli = (args: string[], env: Record<string, string> = {}) =>
      new Promise<[number, string, string]>((resolve) =>
        execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 20_000 }, (err, stdout, stderr) => resolve([err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr])),
      );
    const cases = [['pod-ip', '--help'], ['exec', '--help'], ['logs', '--tail'], ['ports', 'a', 'b'], ['curl-from-pod', '--bogus'], ['exec', '-x', '--', 'sh'], ['pod-ip', 'Bad_Name'], ['logs', '-h'],
      ['--help'], ['-h'], ['--version'], ['help'], ['help', 'pod-ip'], ['completion', 'bash'], ['completion', 'zsh'], ['completion', 'fish'], ['--help', 'pod-ip']];
    for (const args of cases) {
      const [fast, whole] = await Promise.all([cli(args), cli(args, { KIADA_NO_BUNDLE: '1' })]);
      expect({ args, out: fast }).toEqual({ args, out: whole });
      expect(fast[1] + fast[2]).not.toBe('');
    }
  });
});

describe("fast.cjs's code cache", () => {
  it("is made by the first run, in the user's own cache directory, and taken as it is by the next", async () => {
    if (!bundled()) return;
    const api = await apiServer();
    const home = fs.mkdtempSync(path.join(tmp, 'cache-'));
    const dir = path.join(home, 'kiada');
    try {
      const first = await run(['pod-ip', '-q', '--kubeconfig', api.kubeconfig], { XDG_CACHE_HOME: home });
      const [cache] = fs.readdirSync(dir).filter((f) => /^fast-[0-9a-f]+-[\d.]+-pod-ip\.cache$/.test(f));
      expect({ out: first.stdout, cache: !!cache, mode: (fs.statSync(dir).mode & 0o777).toString(8) }).toEqual({ out: '10.244.1.1\n', cache: true, mode: '700' });
      const made = fs.statSync(path.join(dir, cache)).mtimeMs;
      const second = await run(['pod-ip', '-q', '--kubeconfig', api.kubeconfig], { XDG_CACHE_HOME: home });
      expect({ out: second.stdout, err: second.stderr, same: fs.statSync(path.join(dir, cache)).mtimeMs === made }).toEqual({ out: '10.244.1.1\n', err: '', same: true });
      // A cache V8 rejects (another Node, another fast.cjs) is made anew.
      fs.writeFileSync(path.join(dir, cache), 'not a code cache');
      expect((await run(['pod-ip', '-q', '--kubeconfig', api.kubeconfig], { XDG_CACHE_HOME: home })).stdout).toBe('10.244.1.1\n');
      expect(fs.statSync(path.join(dir, cache)).size).toBeGreaterThan(10_000);
    } finally {
      api.close();
    }
  });

  it('is never read from a directory others can write to (a code cache is code): then the command runs without one', async () => {
    if (!bundled()) return;
    const api = await apiServer();
    const home = fs.mkdtempSync(path.join(tmp, 'cache-'));
    const dir = path.join(home, 'kiada');
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    try {
      const r = await run(['pod-ip', '-q', '--kubeconfig', api.kubeconfig], { XDG_CACHE_HOME: home });
      expect({ out: r.stdout, err: r.stderr, files: fs.readdirSync(dir) }).toEqual({ out: '10.244.1.1\n', err: '', files: [] });
    } finally {
      api.close();
    }
  });
});

describe('what a command loads, from the sources (KIADA_NO_BUNDLE=1)', () => {
  it('--version, --help, completion and a wrong argument: commander and the CLI, no command, nothing of client-node', async () => {
    for (const [args, code, stdout] of QUICK) {
      const r = await run(args, { KIADA_NO_BUNDLE: '1' });
      expect({ args, code: r.code, stdout: stdout.test(r.stdout) }).toEqual({ args, code, stdout: true });
      const files = sourceFiles(r.urls);
      expect(packagesIn(files)).toEqual(['commander']);
      expect(commandsIn(files)).toEqual(args[0] === 'completion' ? ['tools/src/commands/completion.ts', 'tools/src/commands/workshop/command.ts'] : ['tools/src/commands/workshop/command.ts']);
      expect(files.filter((f) => f.startsWith('lab/') || f.startsWith('tools/.cache/'))).toEqual([]);
    }
  });
});

describe('an older Node', () => {
  // The system's node, as a shell without node_modules/.bin on its PATH finds it (Debian's is 20 here and in CI).
  const systemNode = (process.env.PATH ?? '').split(':').filter((d) => d && !d.includes('node_modules')).map((d) => path.join(d, 'node')).find((f) => fs.existsSync(f));
  const version = systemNode && execFileSyncText(systemNode, ['-p', 'process.versions.node']).trim();
  const old = version && Number(version.split('.')[0]) < 22;

  it('gets one message from the bin, which agrees with engines, and an install that does not bundle but succeeds', async () => {
    if (!old) return void console.warn(`skipped: no Node older than 22 on the PATH (${version ?? 'none'})`);
    const engines = JSON.parse(fs.readFileSync(path.join(ROOT, 'tools', 'package.json'), 'utf8')).engines.node;
    expect(engines).toBe('^22.19.0 || >=24.0.0');
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(systemNode!, [BIN, '--version'], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `kiada needs Node 24 (or 22.19 and later), which run TypeScript directly; this is Node ${version}.\n` +
        '`npm install` put Node 24 in node_modules/.bin: put that first on the PATH (`export PATH=$PWD/node_modules/.bin:$PATH`\n' +
        'in the repository), or run kiada through npm, which does it for its scripts: `npx kiada …`, `npm start`.\n',
    });
    expect(execFileSyncText(systemNode!, [path.join(ROOT, 'tools', 'scripts', 'bundle.js')])).toBe(`kiada: not bundling the CLI on Node ${version} (kiada runs on 22.19 and later); it runs from its sources.\n`);
  });
});

describe("Node's compile cache", () => {
  it('is kept for a user whose default directory root made first (sudo kiada lab up): in one of their own', async () => {
    const nobody = 65534;
    if (process.getuid?.() !== 0) return void console.warn('skipped: needs root, to be another user');
    const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-cc-'));
    fs.chmodSync(tmpdir, 0o1777);
    try {
      fs.mkdirSync(path.join(tmpdir, 'node-compile-cache'), { mode: 0o755 }); // root's, as Node makes it
      const { NODE_COMPILE_CACHE: _, ...env } = process.env;
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        // A command of the split bundle (fast.cjs keeps a code cache of its own, in the user's cache directory).
        execFile(process.execPath, [BIN, 'lab', '--help'], { uid: nobody, gid: nobody, env: { ...env, TMPDIR: tmpdir, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));
      if (r.code !== 0 && /EACCES|permission denied/i.test(r.stderr) && !/compile cache/.test(r.stderr)) return void console.warn('skipped: the repository is not readable by nobody');
      expect(r.stdout).toMatch(/^Usage: kiada lab /);
      expect(r.stderr).toContain(`Cannot create cache directory: permission denied`);
      expect(fs.statSync(path.join(tmpdir, `node-compile-cache-${nobody}`)).uid).toBe(nobody);
      expect(r.stderr).toMatch(new RegExp(`creating cache directory ${tmpdir}/node-compile-cache-${nobody}/\\S+\\.\\.\\.success`));
    } finally {
      fs.rmSync(tmpdir, { recursive: true, force: true });
    }
  });
});

describe('the bin takes the bundle', () => {
  // A bundle of one input, as the manifest records it: [path from the root, size, mtime, sha256].
  function fakeBundle(content = 'one') {
    const root = fs.mkdtempSync(path.join(tmp, 'root-'));
    const dir = path.join(root, 'cli');
    fs.mkdirSync(dir);
    const input = path.join(root, 'input.ts');
    fs.writeFileSync(input, content);
    const st = fs.statSync(input);
    const manifest = { entry: 'cli.js', node: process.versions.node, inputs: [['input.ts', st.size, st.mtimeMs, sha256(fs.readFileSync(input))]] };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    return { root, dir, input, manifest, entry: pathToFileURL(path.join(dir, 'cli.js')).href };
  }

  it('while its inputs are those it was made from: a touched but unchanged file keeps it, a changed one does not', () => {
    const b = fakeBundle();
    expect(freshCliEntry(b.dir, b.root)).toBe(b.entry);
    fs.utimesSync(b.input, new Date(), new Date(Date.now() + 5000)); // a checkout: new mtime, same content
    expect(freshCliEntry(b.dir, b.root)).toBe(b.entry);
    // Hashed once: the manifest now has the new mtime.
    const readManifest = () => JSON.parse(fs.readFileSync(path.join(b.dir, 'manifest.json'), 'utf8'));
    expect(readManifest().inputs).toEqual([['input.ts', 3, fs.statSync(b.input).mtimeMs, b.manifest.inputs[0][3]]]);
    expect(fs.readdirSync(b.dir)).toEqual(['manifest.json']);
    fs.writeFileSync(b.input, 'two'); // same size, other content
    expect(freshCliEntry(b.dir, b.root)).toBeUndefined();
    fs.rmSync(b.input);
    expect(freshCliEntry(b.dir, b.root)).toBeUndefined();
  });

  it('fast.cjs for a command line that starts with one of its commands, the split bundle for any other', () => {
    const b = fakeBundle();
    fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify({ ...b.manifest, fast: { entry: 'fast.js', commands: ['pod-ip'] } }));
    const fast = pathToFileURL(path.join(b.dir, 'fast.js')).href;
    expect(freshCliEntry(b.dir, b.root, ['pod-ip', '-o', 'wide'])).toBe(fast);
    for (const argv of [[], ['exec', 'pod-ip'], ['-n', 'x', 'pod-ip'], ['help', 'pod-ip']]) expect(freshCliEntry(b.dir, b.root, argv)).toBe(b.entry);
    // The real bundle's: the commands of api-commands.ts (they take an ApiCtx), no more, no fewer.
    const apiCommands = Object.values(API_COMMANDS).map((c) => c.name).sort();
    expect(apiCommands.map((c) => `tools/src/commands/${c}.ts`)).toEqual(FAST_COMMANDS);
    // And the lines it runs with the whole program: the help, the version, completion.
    if (bundled()) expect(JSON.parse(fs.readFileSync(path.join(CLI_DIR, 'manifest.json'), 'utf8')).fast.commands.sort()).toEqual([...apiCommands, '--help', '--version', '-h', 'completion', 'help'].sort());
  });

  it("fast.cjs is checked against its own inputs: another command's change leaves it fresh", () => {
    const b = fakeBundle();
    const other = path.join(b.root, 'other.ts');
    fs.writeFileSync(other, 'lab');
    const st = fs.statSync(other);
    const inputs = [...b.manifest.inputs, ['other.ts', st.size, st.mtimeMs, sha256(fs.readFileSync(other))]];
    fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify({ ...b.manifest, inputs, fast: { entry: 'fast.js', commands: ['pod-ip'], inputs: [0] } }));
    fs.writeFileSync(other, 'LAB');
    expect(freshCliEntry(b.dir, b.root, ['pod-ip'])).toBe(pathToFileURL(path.join(b.dir, 'fast.js')).href);
    expect(freshCliEntry(b.dir, b.root, ['lab', 'up'])).toBeUndefined();
    fs.writeFileSync(b.input, 'two');
    expect(freshCliEntry(b.dir, b.root, ['pod-ip'])).toBeUndefined();
  });

  it('only on the Node that made it, and never a manifest it cannot read', () => {
    const b = fakeBundle();
    fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify({ ...b.manifest, node: '22.19.0-other' }));
    expect(freshCliEntry(b.dir, b.root)).toBeUndefined();
    fs.writeFileSync(path.join(b.dir, 'manifest.json'), '{"entry": "cli.js", "inputs": {');
    expect(freshCliEntry(b.dir, b.root)).toBeUndefined();
    fs.rmSync(path.join(b.dir, 'manifest.json'));
    expect(freshCliEntry(b.dir, b.root)).toBeUndefined();
  });
});

describe('the stand-ins of the bundle (lazy-module.js)', () => {
  /** What esbuild's ESM interop does with a CommonJS module an ES module imports (its __toESM). */
  function toESM(mod: object) {
    const target = Object.create(Object.getPrototypeOf(mod));
    if (!(mod as { __esModule?: boolean }).__esModule) Object.defineProperty(target, 'default', { value: mod, enumerable: true });
    for (const key of Object.getOwnPropertyNames(mod)) {
      const desc = Object.getOwnPropertyDescriptor(mod, key);
      if (key !== 'default') Object.defineProperty(target, key, { get: () => (mod as Record<string, unknown>)[key], enumerable: !desc || desc.enumerable });
    }
    return target;
  }

  it('a module object loads at the first use of a value, not when imported; its functions wait for their first call', () => {
    let loads = 0;
    const real = { answer: 42, add: (a: number, b: number) => a + b, spawnSync: () => 'ran' };
    const m = lazyObject(() => (loads++, real), Object.getOwnPropertyNames(real), ['add', 'spawnSync'], false);
    const ns = toESM(m);
    // Nothing copied (each copy a proxy trap at start-up): the values come through the view it inherits from.
    expect(Object.getOwnPropertyNames(ns)).toEqual(['default']);
    expect(['add', 'answer', 'spawnSync'].map((k) => k in ns)).toEqual([true, true, true]);
    const kept = ns.spawnSync; // as KubeConfig keeps child_process.spawnSync
    // A name the module does not have (a feature test: ws's `const { websocketMask } = require('http')`) and
    // Object.prototype's: answered as the module would, without loading it.
    expect([ns.websocketMask, 'websocketMask' in ns, ns.toString === Object.prototype.toString, ns.hasOwnProperty('answer')]).toEqual([undefined, false, true, false]);
    expect(loads).toBe(0);
    expect(kept()).toBe('ran');
    expect(loads).toBe(1);
    expect(ns.answer).toBe(42);
    expect(ns.add(1, 2)).toBe(3);
    expect(ns.default.add).toBe(real.add); // once loaded, the values themselves
    expect('nope' in ns).toBe(false);
    expect(loads).toBe(1);
  });

  it('a class loads when first constructed, called or read, and subclasses, instanceof and statics work', () => {
    let loads = 0;
    class Agent {
      static kind = 'agent';
      opts: string;
      constructor(opts: string) {
        this.opts = opts;
      }
    }
    const Lazy = lazyFunction(() => (loads++, Agent));
    class Sub extends (Lazy as typeof Agent) {} // reads Lazy.prototype: a subclass loads it
    expect(loads).toBe(1);
    const a = new Lazy('x');
    expect(a).toBeInstanceOf(Agent);
    expect(a).toBeInstanceOf(Lazy);
    expect(a.opts).toBe('x');
    const s = new Sub('y');
    expect(s).toBeInstanceOf(Sub);
    expect(s).toBeInstanceOf(Agent);
    expect(Lazy.kind).toBe('agent');
    const f = lazyFunction(() => (loads++, (x: number) => x * 2));
    expect(loads).toBe(1);
    expect(f(21)).toBe(42);
    expect(loads).toBe(2);
  });
});
