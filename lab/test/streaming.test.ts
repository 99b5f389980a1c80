// exec, attach and port-forward on a real lab, through the real kubectl and through client-node:
// bytes exact in both directions, many connections at once, the kubelet's error for an eth0-only app, and an idle
// pod that runs no process of the lab's until port-forward needs one in it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { PassThrough, Writable } from 'node:stream';
import { KubeConfig, Exec, Attach, PortForward, type V1Status } from '@kubernetes/client-node';
import { skipUnlessLab, useTestLab, waitFor, ECHO_POD, type TestLab } from '../src/testing.ts';
import { curl } from './curl.ts';

const skip = skipUnlessLab();

const PODS = `${ECHO_POD}---
apiVersion: v1
kind: Pod
metadata:
  name: kiada-eth0-only
spec:
  containers:
  - name: kiada
    image: kiada:0.1
    env:
    - name: KIADA_BIND
      value: eth0
    ports:
    - name: http
      containerPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: lo-only
spec:
  containers:
  - name: lo
    image: kiada:0.1
    command: ["node", "-e", "require('net').createServer(s=>s.end('lo')).listen(9001,'127.0.0.1',()=>console.log('lo up'))"]
`;

/** The host's view of the processes in a lab pod's network namespace (found by its IP): pid, command line, PID namespace. */
function podProcesses(labId: string, ip: string) {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`kiada-${labId}-p`))
    .find((n) => execFileSync('ip', ['-n', n, '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).includes(`inet ${ip}/`))!;
  return execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number).map((pid) => ({
    pid,
    cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    hostPidNs: fs.readlinkSync(`/proc/${pid}/ns/pid`) === fs.readlinkSync('/proc/self/ns/pid'),
  }));
}

/** A bare SPDY upgrade request to the lab's API (curl, with the kubeconfig's server and token). */
async function spdyUpgrade(lab: TestLab, urlPath: string, version: string): Promise<{ status: number; body: string }> {
  const r = await curl(['-X', 'POST', '-H', 'Connection: Upgrade', '-H', 'Upgrade: SPDY/3.1',
    '-H', `X-Stream-Protocol-Version: ${version}`, '-H', `Authorization: Bearer ${lab.token}`, lab.server + urlPath]);
  return { status: r.code, body: r.body };
}

/** A raw WebSocket handshake to the lab's API: the response head as sent (status line and headers), then closed. */
function wsHandshake(lab: TestLab, urlPath: string, headers: Record<string, string>): Promise<string> {
  const url = new URL(lab.server);
  const head = [`GET ${urlPath} HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${lab.token}`, 'Connection: Upgrade', 'Upgrade: websocket',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    let got = '';
    const s = tls.connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => s.write(head));
    s.on('data', (d) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) {
        s.destroy();
        resolve(got.slice(0, end));
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed before a response head: ${JSON.stringify(got)}`)));
  });
}

function sha(b: Buffer) {
  return createHash('sha256').update(b).digest('hex');
}

/** Sends `payload`, half-closes, and returns everything the other side sent back. */
function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(payload));
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

describe.skipIf(skip)('streaming on the lab', () => {
  const lab = useTestLab();
  const forwards: ChildProcess[] = [];
  beforeAll(async () => {
    const r = await lab.kubectl(['apply', '-f', '-'], { input: PODS });
    expect(r.stdout).toBe('pod/echo created\npod/kiada-eth0-only created\npod/lo-only created\n');
    for (const pod of ['echo', 'kiada-eth0-only', 'lo-only']) {
      await waitFor(`${pod} running`, async () => (await lab.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
    }
    await waitFor('echo listening', async () => (await lab.kubectl(['logs', 'echo'])).stdout === 'echo up\n');
    await waitFor('kiada listening', async () => (await lab.kubectl(['logs', 'kiada-eth0-only'])).stdout.includes('Listening on port 8080'));
    await waitFor('lo-only listening', async () => (await lab.kubectl(['logs', 'lo-only'])).stdout === 'lo up\n');
  }, 90_000);
  afterAll(async () => {
    for (const f of forwards) f.kill('SIGKILL');
  }, 60_000);

  async function kubectlForward(pod: string, spec: string, env: NodeJS.ProcessEnv = {}) {
    const child = spawn('kubectl', ['--kubeconfig', lab.kubeconfig, '--cache-dir', lab.cacheDir, 'port-forward', pod, spec], { env: { ...process.env, ...env } });
    forwards.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (err += c));
    const port = Number(await waitFor('Forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 15_000));
    return { child, port, out: () => out, err: () => err };
  }

  for (const [mode, env] of [['SPDY inside a WebSocket (default)', {}], ['direct SPDY upgrade (fallback)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
    it(`kubectl port-forward, ${mode}: 100 MB round trip with identical sha256 while 50 other connections run`, async () => {
      const pf = await kubectlForward('echo', ':9000', env);
      const big = randomBytes(100 * 1024 * 1024);
      const smalls = Array.from({ length: 50 }, () => randomBytes(64 * 1024));
      const [back, ...echoes] = await Promise.all([roundTrip(pf.port, big), ...smalls.map((s) => roundTrip(pf.port, s))]);
      expect(back.length).toBe(big.length);
      expect(sha(back)).toBe(sha(big));
      echoes.forEach((e, i) => expect(sha(e)).toBe(sha(smalls[i])));
      pf.child.kill('SIGINT');
      expect(await new Promise((r) => pf.child.once('exit', r))).toBe(0);
    }, 120_000);
  }

  it('an idle pod runs nothing of the lab\'s; port-forward to its loopback-only port starts an agent in it', async () => {
    const ip = (await lab.kubectl(['get', 'pod', 'lo-only', '-o', 'jsonpath={.status.podIP}'])).stdout;
    // Only the container: its PID 1 (node, in a PID namespace of its own) and the wrapper that waits for it.
    const before = podProcesses(lab.id, ip);
    expect(before.filter((p) => p.hostPidNs).map((p) => p.cmdline[0])).toEqual(['unshare']);
    expect(before.filter((p) => !p.hostPidNs).map((p) => p.cmdline.slice(0, 2))).toEqual([['node', '-e']]);
    const pf = await kubectlForward('lo-only', ':9001');
    expect((await roundTrip(pf.port, Buffer.alloc(0))).toString()).toBe('lo');
    const agents = podProcesses(lab.id, ip).filter((p) => p.cmdline.some((a) => a.endsWith('/agent.mjs')));
    expect(agents).toHaveLength(1);
    expect(agents[0].hostPidNs).toBe(true);
    pf.child.kill('SIGKILL');
  }, 30_000);

  it('kubectl port-forward to an app bound to eth0 only fails with the kubelet error', async () => {
    const pf = await kubectlForward('kiada-eth0-only', ':8080');
    const body = await roundTrip(pf.port, Buffer.from('GET / HTTP/1.0\r\n\r\n')).catch(() => Buffer.alloc(0));
    expect(body.length).toBe(0);
    await waitFor('error line', async () => pf.err().includes('connection refused'), 10_000);
    // klog quotes the inner quotes, so the namespace appears as \"/run/netns/…\".
    expect(pf.err()).toMatch(
      /an error occurred forwarding \d+ -> 8080: error forwarding port 8080 to pod [0-9a-f]{64}, uid : failed to connect to localhost:8080 inside namespace \\"\/run\/netns\/kiada-t[0-9a-f]+-p\d+\\", IPv4: dial tcp4 127\.0\.0\.1:8080: connect: connection refused IPv6 dial tcp6 \[::1\]:8080: connect: connection refused/,
    );
    pf.child.kill('SIGKILL');
  }, 30_000);

  // What kubectl falls back to when the WebSocket upgrade is refused, forced here as a user can force it.
  describe('exec and attach over SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', () => {
    const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };

    it('exec: output, stderr, exit code, stdin to EOF', async () => {
      const fail = await lab.kubectl(['exec', 'echo', '--', 'sh', '-c', 'hostname; echo err >&2; exit 3'], { env: SPDY });
      expect(fail).toEqual({ code: 3, stdout: 'echo\n', stderr: 'err\ncommand terminated with exit code 3\n' });
      const ok = await lab.kubectl(['exec', 'echo', '--', 'true'], { env: SPDY });
      expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
      const big = randomBytes(3 << 20).toString('base64');
      const piped = await lab.kubectl(['exec', '-i', 'echo', '--', 'sh', '-c', 'cat; echo done'], { env: SPDY, input: big });
      expect(piped.code).toBe(0);
      expect(piped.stdout === `${big}done\n`).toBe(true);
    }, 30_000);

    it('exec -it: a terminal of the size kubectl asks for', async () => {
      const r = await lab.kubectlInTerminal(90, 20, "exec -it echo -- sh -c 'tty; stty size; exit 6'", 'KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false');
      expect(r.code).toBe(6);
      expect(r.out).toMatch(/\/dev\/pts\/\d+\r\n20 90\r\n/);
      expect(r.out).toContain('command terminated with exit code 6');
    }, 30_000);

    it('kubectl run --rm -i attaches over SPDY and deletes the pod', async () => {
      const r = await lab.kubectl(['run', 'spdy-client', '--image=busybox', '-i', '--restart=Never', '--rm', '--', 'sh', '-c', 'read line; echo "got $line from $(hostname)"'], { env: SPDY, input: 'hi\n', timeoutMs: 60_000 });
      // kubectl says the prompt line with -i whatever the protocol, as on kind.
      expect(r).toEqual({ code: 0, stdout: 'got hi from spdy-client\npod "spdy-client" deleted\n', stderr: "If you don't see a command prompt, try pressing enter.\n" });
    }, 60_000);

    it('an unknown protocol version is refused as the kubelet refuses it', async () => {
      const { status, body } = await spdyUpgrade(lab, '/api/v1/namespaces/default/pods/echo/exec?command=true&stdout=true', 'v9.channel.k8s.io');
      expect(status).toBe(403);
      expect(JSON.parse(body).message).toBe('unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v5.channel.k8s.io v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]');
    });
  });

  describe('through @kubernetes/client-node', () => {
    const kc = () => {
      const k = new KubeConfig();
      k.loadFromFile(lab.kubeconfig);
      return k;
    };
    const sink = () => {
      const chunks: Buffer[] = [];
      const w = new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) });
      return { w, text: () => Buffer.concat(chunks).toString() };
    };

    it('Exec runs the command and reports the exit code in the status', async () => {
      const out = sink();
      const err = sink();
      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kc()).exec('default', 'echo', 'echo', ['sh', '-c', 'hostname; echo oops >&2; exit 4'], out.w, err.w, null, false, resolve).catch(reject);
      });
      expect(out.text()).toBe('echo\n');
      expect(err.text()).toBe('oops\n');
      expect(status.status).toBe('Failure');
      expect(status.reason).toBe('NonZeroExitCode');
      expect(status.details?.causes).toEqual([{ reason: 'ExitCode', message: '4' }]);
    });

    it('a handshake that ws refuses leaves nothing behind: the next exec gets one Sec-WebSocket-Protocol', async () => {
      const exec = '/api/v1/namespaces/default/pods/echo/exec?command=hostname&stdout=true';
      const refused = await wsHandshake(lab, exec, { 'Sec-WebSocket-Version': '7', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' });
      expect(refused.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      const ok = (await wsHandshake(lab, exec, { 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' })).split('\r\n');
      expect(ok[0]).toBe('HTTP/1.1 101 Switching Protocols');
      expect(ok.filter((h) => /^sec-websocket-protocol:/i.test(h))).toEqual(['Sec-WebSocket-Protocol: v5.channel.k8s.io']);
      // Both clients after it: the real kubectl, and client-node (which refuses an answer with two protocols).
      expect(await lab.kubectl(['exec', 'echo', '--', 'hostname'])).toEqual({ code: 0, stdout: 'echo\n', stderr: '' });
      const out = sink();
      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kc()).exec('default', 'echo', 'echo', ['hostname'], out.w, null, null, false, resolve).catch(reject);
      });
      expect(status.status).toBe('Success');
      expect(out.text()).toBe('echo\n');
    });

    it('Attach talks to a running container with stdin', async () => {
      const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: catter\nspec:\n  containers:\n  - name: catter\n    image: busybox\n    command: [cat]\n    stdin: true\n';
      expect((await lab.kubectl(['apply', '-f', '-'], { input: pod })).stdout).toBe('pod/catter created\n');
      await waitFor('catter running', async () => (await lab.kubectl(['get', 'pod', 'catter', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
      const input = new PassThrough();
      const chunks: Buffer[] = [];
      const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
      const ws = await new Attach(kc()).attach('default', 'catter', 'catter', out, null, input, false);
      input.write('hello through attach\n');
      await waitFor('echoed', async () => Buffer.concat(chunks).toString() === 'hello through attach\n', 10_000);
      ws.close();
    }, 30_000);

    it('PortForward carries bytes both ways', async () => {
      const input = new PassThrough();
      const chunks: Buffer[] = [];
      const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
      const ws = await new PortForward(kc()).portForward('default', 'echo', [9000], out, null, input);
      const payload = randomBytes(256 * 1024);
      input.write(payload);
      const size = () => chunks.reduce((n, c) => n + c.length, 0);
      await waitFor('echo back', async () => size() >= payload.length, 10_000);
      expect(sha(Buffer.concat(chunks))).toBe(sha(payload));
      (typeof ws === 'function' ? ws() : ws)?.close();
    }, 20_000);
  });
});
