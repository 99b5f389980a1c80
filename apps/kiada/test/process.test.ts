// kiada as a real process: the book's banner and log lines, SIGTERM/SIGINT, and clients from another network
// namespace (the pod's eth0) as well as its loopback.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { canUseNetns, createPair, type Pair } from './netns.ts';
import { USAGE } from '../src/config.ts';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

function startKiada(args: string[], spawnFn: (argv: string[]) => ChildProcess = (argv) => spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })) {
  const child = spawnFn([process.execPath, MAIN, ...args]);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const waitFor = async (re: RegExp, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!re.test(out)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${re} in stdout: ${out} stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, exited, waitFor, out: () => out, err: () => err };
}

function get(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) =>
    http.get({ host, port, path: '/', headers: { accept: '*/*' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c)).on('end', () => resolve(b));
    }).on('error', reject),
  );
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('kiada process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints the book's banner, logs requests and exits 0 on ${signal} at once`, async () => {
      const k = startKiada(['--port', '0', '--bind', 'loopback']);
      children.push(k.child);
      await k.waitFor(/Listening on port (\d+)\n/);
      const port = Number(/Listening on port (\d+)/.exec(k.out())![1]);
      expect(k.out()).toBe(
        'Kiada - Kubernetes in Action Demo Application\n' +
          '---------------------------------------------\n' +
          'Kiada 0.1 starting...\n' +
          `Local hostname is ${os.hostname()}\n` +
          `Listening on port ${port}\n`,
      );
      expect(await get(port)).toBe(`Kiada version 0.1. Request processed by "${os.hostname()}". Client IP: 127.0.0.1\n`);
      await k.waitFor(/Received request for \/ from 127\.0\.0\.1\n/);
      const t0 = Date.now();
      k.child.kill(signal);
      expect(await k.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(1000);
    });
  }

  // The kubelet sends one SIGTERM, then waits the grace period (30 s) for a SIGKILL. As PID 1 of a PID namespace (a
  // container: root can make one here) a signal with no handler is dropped, so a handler installed only once the
  // server listens left a pod deleted while it started running for 30 s. Express's load is held (fixtures/
  // slow-express.mjs) so that the signal certainly comes while the app is starting.
  it('a SIGTERM while it is still starting ends it at once, also as PID 1 of a PID namespace', async () => {
    const hook = path.join(path.dirname(MAIN), '..', 'test', 'fixtures', 'slow-express.mjs');
    const pid1 = process.getuid?.() === 0;
    const k = startKiada(['--port', '0', '--bind', 'loopback'], (argv) =>
      pid1 ? spawn('unshare', ['--pid', '--fork', '--kill-child', argv[0], '--import', hook, ...argv.slice(1)], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(argv[0], ['--import', hook, ...argv.slice(1)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    children.push(k.child);
    for (let i = 0; i < 500 && !k.err().includes('loading express'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(k.err()).toBe('loading express\n');
    // unshare --fork: the app is its only child, PID 1 inside.
    const app = pid1 ? Number(fs.readFileSync(`/proc/${k.child.pid}/task/${k.child.pid}/children`, 'utf8').trim()) : k.child.pid!;
    const t0 = Date.now();
    process.kill(app, 'SIGTERM');
    const exited = await Promise.race([k.exited, new Promise((r) => setTimeout(() => r('still running after 5 s'), 5000))]);
    expect(exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('refuses a bad flag with a one-line error and exit code 2', async () => {
    const k = startKiada(['--port', 'x']);
    children.push(k.child);
    expect((await k.exited).code).toBe(2);
    expect(k.err()).toBe('invalid port: x\n');
  });

  it('prints its usage for --help and exits 0', async () => {
    const k = startKiada(['--help']);
    children.push(k.child);
    expect((await k.exited).code).toBe(0);
    expect(k.err()).toBe(`${USAGE}\n`);
  });
});

const skip = canUseNetns();
if (skip && process.env.CI === 'true') throw new Error(`CI needs network namespaces: ${skip}`);
if (skip) console.warn(`skipping the network-namespace tests: ${skip}`);

describe.skipIf(skip !== null)('kiada in a pod-like network namespace', () => {
  let pair: Pair;
  beforeAll(() => {
    pair = createPair('10.244.2.4', '10.244.2.1');
  });
  afterAll(() => pair?.remove());

  async function startIn(args: string[]) {
    const k = startKiada(args, (argv) => pair.spawnIn(pair.server, argv));
    children.push(k.child);
    await k.waitFor(/Listening on port 8080\n/);
    return k;
  }
  const curl = (ns: string, url: string) => {
    try {
      return pair.run(ns, ['curl', '-sS', '--max-time', '5', url]);
    } catch (e) {
      return `curl failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim()}`;
    }
  };

  it('answers on eth0 with the client namespace address and on its own loopback', async () => {
    const k = await startIn([]);
    expect(curl(pair.client, 'http://10.244.2.4:8080/')).toBe(
      `Kiada version 0.1. Request processed by "${os.hostname()}". Client IP: ::ffff:10.244.2.1\n`,
    );
    expect(curl(pair.server, 'http://127.0.0.1:8080/')).toContain('Client IP: ::ffff:127.0.0.1\n');
    expect(curl(pair.server, 'http://[::1]:8080/')).toContain('Client IP: ::1\n');
    await k.waitFor(/Received request for \/ from ::ffff:10\.244\.2\.1\n/);
    k.child.kill('SIGTERM');
    expect((await k.exited).code).toBe(0);
  });

  it('bound to eth0 only, it refuses its own loopback (why port-forward fails)', async () => {
    const k = await startIn(['--bind', 'eth0']);
    expect(curl(pair.client, 'http://10.244.2.4:8080/')).toContain('Client IP: 10.244.2.1\n');
    expect(curl(pair.server, 'http://127.0.0.1:8080/')).toMatch(/^curl failed: curl: \(7\) Failed to connect to 127\.0\.0\.1 port 8080/);
    k.child.kill('SIGTERM');
    expect((await k.exited).code).toBe(0);
  });

  it('leaves the host without a route to the pod range', () => {
    expect(execFileSync('ip', ['route'], { encoding: 'utf8' })).not.toContain('10.244.');
  });
});
