// kiada port-forward as kubectl 1.32 does it (lib/spdy-tunnel.ts): one WebSocket to the API server carrying SPDY
// streams for every local connection, bytes and half-closes passed both ways, the pod's refusal told on the error
// stream; and where the server cannot tunnel SPDY, client-node's WebSocket per connection.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { skipUnlessLab, useTestLab, waitFor, ECHO_POD } from '@kiada/lab/testing.ts';
import { apiProxy } from './fixtures/api-proxy.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();

interface Forward {
  child: ChildProcess;
  port: number;
  out: () => string;
  err: () => string;
  /** SIGINT, then its exit code (killed after 15 s). */
  stop(): Promise<number | null>;
}

/** `kiada port-forward echo ARGS --address 127.0.0.1 -q` with the given kubeconfig, once it listens. */
async function startForward(kubeconfig: string, labEnv: NodeJS.ProcessEnv, args: string[]): Promise<Forward> {
  const child = spawn(process.execPath, [BIN, 'port-forward', 'echo', ...args, '--address', '127.0.0.1', '-q'], { env: { ...process.env, ...labEnv, KUBECONFIG: kubeconfig, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const port = Number(await waitFor('Forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 15_000));
    return {
      child, port, out: () => out, err: () => err,
      async stop() {
        child.kill('SIGINT');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exit;
        clearTimeout(t);
        return code;
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}; stderr: ${err}`);
  }
}

/** Sends `payload` through host:port, half-closes, and gives back all that came back until the other side ended. */
function echoed(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(payload));
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => {
      s.destroy();
      resolve(Buffer.concat(chunks));
    });
    s.on('error', reject);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The established TCP connections of process `pid` to `port` (ss: one line each, with the owning process). */
function connectionsTo(pid: number, port: string): number {
  const lines = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' }).split('\n');
  return lines.filter((l) => l.includes(`pid=${pid},`)).length;
}

describe.skipIf(skip)('kiada port-forward: one SPDY tunnel, as kubectl', () => {
  const lab = useTestLab();
  const labEnv = () => ({ KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home });

  beforeAll(async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: ECHO_POD });
    await waitFor('echo up', async () => (await lab.kubectl(['logs', 'echo'])).stdout === 'echo up\n');
    await lab.waitReady('echo');
  }, 90_000);

  it('carries many connections at once in one connection to the API server, bytes exact, half-closes passed on', async () => {
    const f = await startForward(lab.kubeconfig, labEnv(), [':9000']);
    try {
      // 30 connections open together: client-node's PortForward would hold a WebSocket (a TCP connection to the
      // API server) for each; the tunnel is one (besides the pod watch and the API client's keep-alive).
      const open = await Promise.all(Array.from({ length: 30 }, () => new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(f.port, '127.0.0.1', () => s.write('ping\n'));
        s.once('data', (d) => (d.toString() === 'ping\n' ? resolve(s) : reject(new Error(`echoed ${JSON.stringify(d.toString())}`))));
        s.on('error', reject);
      })));
      const apiPort = new URL(lab.server).port;
      expect(connectionsTo(f.child.pid!, apiPort)).toBeLessThanOrEqual(3);
      for (const s of open) s.destroy();
      // Each payload comes back whole, in order, while three others share the tunnel; the echo server ends its
      // side only after our FIN reached it (a forward without half-close would never end these).
      const payloads = Array.from({ length: 4 }, (_, i) => randomBytes((i + 1) * 3 * 1024 * 1024 + i));
      const back = await Promise.all(payloads.map((p) => echoed(f.port, p)));
      expect(back.map(sha)).toEqual(payloads.map(sha));
      expect(await f.stop()).toBe(0);
      expect(f.err()).toBe('');
      await expect(new Promise((resolve, reject) => net.connect(f.port, '127.0.0.1').on('connect', resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      f.child.kill('SIGKILL');
    }
  }, 60_000);

  it('Ctrl-C in the middle of transfers: exit 0 at once, every local connection closed, the listener gone', async () => {
    const f = await startForward(lab.kubeconfig, labEnv(), [':9000']);
    try {
      // 20 connections each sending without end, their echoes flowing back, when the signal comes.
      const chunk = randomBytes(64 * 1024);
      const closed: Promise<void>[] = [];
      let echoedBytes = 0;
      for (let i = 0; i < 20; i++) {
        const s = net.connect(f.port, '127.0.0.1');
        const pump = () => {
          while (!s.destroyed && s.write(chunk));
        };
        s.on('connect', pump).on('drain', pump).on('data', (d) => (echoedBytes += d.length)).on('error', () => {});
        closed.push(new Promise((r) => s.once('close', () => r())));
      }
      await waitFor('echoes flowing', async () => echoedBytes > 20 * 1024 * 1024 || undefined, 20_000);
      const t0 = Date.now();
      expect(await f.stop()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(3000);
      await Promise.all(closed);
      expect(f.err()).toBe('');
      await expect(new Promise((resolve, reject) => net.connect(f.port, '127.0.0.1').on('connect', resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      f.child.kill('SIGKILL');
    }
  }, 60_000);

  it('a port the pod does not listen on: the connection is closed, the pod\'s error printed, the forward goes on', async () => {
    const f = await startForward(lab.kubeconfig, labEnv(), [':9001', ':9000']);
    try {
      const local = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 9001/.exec(f.out())![1]);
      const other = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 9000/.exec(f.out())![1]);
      expect(await echoed(local, Buffer.from('hello\n'))).toEqual(Buffer.alloc(0));
      await waitFor('the error line', async () => f.err().includes('\n') || undefined, 5_000);
      expect(f.err()).toMatch(new RegExp(`^E\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z an error occurred forwarding ${local} -> 9001: .*connection refused.*\\n$`));
      expect((await echoed(other, Buffer.from('still here\n'))).toString()).toBe('still here\n');
      expect(await f.stop()).toBe(0);
    } finally {
      f.child.kill('SIGKILL');
    }
  }, 30_000);

  it('an API server that cannot tunnel SPDY (before Kubernetes 1.31): client-node\'s WebSocket per connection', async () => {
    // The lab behind a proxy refusing the SPDY subprotocol as an older API server does (it passes the WebSocket
    // to the kubelet, which wants ?ports=); every other request and upgrade is passed on.
    const cfg = parse(fs.readFileSync(lab.kubeconfig, 'utf8'));
    const cluster = cfg.clusters[0].cluster;
    let refused = 0;
    let channels = 0;
    const proxy = await apiProxy(cluster.server, Buffer.from(cluster['certificate-authority-data'], 'base64').toString(), {
      upgrade: (req) => {
        if (!String(req.headers['sec-websocket-protocol']).includes('SPDY/3.1+portforward.k8s.io')) return void channels++;
        refused++;
        return { code: 400, reason: 'Bad Request', message: 'missing port in request' };
      },
    });
    try {
      cluster.server = proxy.url;
      cluster['certificate-authority-data'] = Buffer.from(proxy.ca).toString('base64');
      const kubeconfig = path.join(lab.home, 'old-api.kubeconfig');
      fs.writeFileSync(kubeconfig, stringify(cfg), { mode: 0o600 });
      const f = await startForward(kubeconfig, labEnv(), [':9000']);
      try {
        const back = await Promise.all(['a\n', 'b\n', 'c\n'].map((t) => new Promise<string>((resolve, reject) => {
          const s = net.connect(f.port, '127.0.0.1', () => s.write(t));
          s.once('data', (d) => (s.destroy(), resolve(d.toString())));
          s.on('error', reject);
        })));
        expect(back).toEqual(['a\n', 'b\n', 'c\n']);
        expect(refused).toBe(1);
        expect(channels).toBe(3);
        expect(await f.stop()).toBe(0);
      } finally {
        f.child.kill('SIGKILL');
      }
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
