// kiada trace on a cluster that is not the lab: the lab behind a TLS proxy that answers 404 for the lab's own API
// group, as every real API server does (everything else — requests, watches, exec and port-forward upgrades —
// passes through untouched). Then the hops only the cluster could report are marked not observed, never made up,
// and what kiada sees itself is shown: its listener, the tunnel's 101, the kubelet's error, the app's log line.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { skipUnlessLab, useTestLab, KIADA_POD } from '@kiada/lab/testing.ts';
import { apiProxy, type ApiProxy } from './fixtures/api-proxy.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const ETH0_ONLY = path.join(import.meta.dirname, '..', '..', 'k8s', 'pod.kiada-eth0-only.yaml');
const skip = skipUnlessLab();

/** The lab without the lab's group (404, as every real API server answers it): a kube-apiserver as kiada sees one. */
const realLikeProxy = (labServer: string, labCa: string) =>
  apiProxy(labServer, labCa, {
    request: (req) => (req.url?.startsWith('/apis/lab.kiada.dev') ? { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' } : undefined),
  });

describe.skipIf(skip)('kiada trace on a cluster that is not the lab', () => {
  const lab = useTestLab();
  let proxy: ApiProxy | undefined;
  let kubeconfig = '';
  // Where a running kiada view is found: a directory of the test's own.
  const env = () => ({ ...process.env, KUBECONFIG: kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1', XDG_RUNTIME_DIR: path.join(lab.home, 'run') });
  const kiada = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });

  beforeAll(async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD });
    await lab.kubectl(['apply', '-f', ETH0_ONLY]);
    await lab.waitReady('kiada');
    await lab.waitReady('kiada-eth0-only');
    const kc = parse(fs.readFileSync(lab.kubeconfig, 'utf8'));
    const cluster = kc.clusters[0].cluster;
    proxy = await realLikeProxy(cluster.server, Buffer.from(cluster['certificate-authority-data'], 'base64').toString());
    cluster.server = proxy.url;
    cluster['certificate-authority-data'] = Buffer.from(proxy.ca).toString('base64');
    kubeconfig = path.join(lab.home, 'not-the-lab.kubeconfig');
    fs.writeFileSync(kubeconfig, stringify(kc), { mode: 0o600 });
  }, 90_000);
  afterAll(async () => {
    await proxy?.close();
  }, 60_000);

  it('port-forward: the API server and the kubelet are not observed; the listener, the 101 and the app log line are', async () => {
    const r = await kiada(['trace', 'port-forward', '-o', 'json']);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.hops.map((h: { name: string; ok: boolean | null; ms: number | null }) => [h.name, h.ok, h.ms === null])).toEqual([
      ['local listener', true, false], ['tunnel', true, false], ['API server', null, true], ['kubelet', null, true], ['pod loopback', null, true], ['app', true, false],
    ]);
    expect(t.hops[1].detail).toBe('101 Switching Protocols: WebSocket, subprotocol v4.channel.k8s.io');
    expect(t.hops.slice(2, 5).map((h: { detail: string }) => h.detail)).toEqual([
      'not observed: the API server does not report its side (on the lab it does)',
      'not observed: the kubelet does not report its side (on the lab it does)',
      'not observed: nothing reports this connection (on the lab the kubelet does)',
    ]);
    expect(t.hops[5].detail).toMatch(/^answered HTTP\/1\.1 200 OK; the app logged "Received request for \/\?trace=[0-9a-f]{8} from ::ffff:127\.0\.0\.1"$/);
    expect(t).toMatchObject({ ok: true, clientIP: '::ffff:127.0.0.1' });
    const text = await kiada(['trace', 'port-forward']);
    // The ms column is as wide as the slowest hop's time (e.g. "9 ms" or "123 ms"), so the gap before an unobserved
    // hop's text varies from run to run; the text itself and the alignment of every row do not.
    const rows = text.stdout.split('\n').slice(0, 6);
    expect(rows[2]).toMatch(/^· 3\. API server {16,}not observed: the API server does not report its side \(on the lab it does\)$/);
    expect(new Set(rows.map((l) => l.search(/(not observed|101 |answered|listening|accepted)/))).size).toBe(1);
  });

  it('eth0-only port-forward: the failure is the kubelet\'s own error, seen on the error channel; exit 1', async () => {
    const r = await kiada(['trace', 'port-forward', 'kiada-eth0-only', '-o', 'json']);
    expect(r.code).toBe(1);
    const t = JSON.parse(r.stdout);
    expect(t.hops.map((h: { name: string; ok: boolean | null }) => [h.name, h.ok])).toEqual([
      ['local listener', true], ['tunnel', true], ['API server', null], ['kubelet', null], ['pod loopback', false],
    ]);
    expect(t.hops[4].error).toMatch(/^error forwarding port 8080 to pod [0-9a-f]{64}, uid : failed to connect to localhost:8080 inside namespace .*connection refused$/);
  });

  it('exec: the kubelet is seen by its answer (the exit code), the API server is not', async () => {
    const r = await kiada(['trace', 'exec', '-o', 'json']);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.hops.map((h: { name: string; ok: boolean | null }) => [h.name, h.ok])).toEqual([['tunnel', true], ['API server', null], ['kubelet', true], ['pod loopback', true], ['app', true]]);
    expect(t.hops[2].detail).toBe('ran curl in container kiada: exit code 0');
    expect(t.clientIP).toBe('::ffff:127.0.0.1');
  });

  it('a running kiada view gets what kiada trace sees, as it happens, and is found no more once stopped', async () => {
    const view = spawn(process.execPath, [BIN, 'view', '--no-open'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      view.stdout!.on('data', (d) => (out += d));
      view.stderr!.on('data', (d) => (err += d));
      const end = Date.now() + 20_000;
      while (!out.includes('Ctrl-C stops.') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(err).toBe('');
      const [first, second] = out.split('\n');
      expect(second).toBe('Not the lab: the page shows the cluster live, and what `kiada trace` sees of its requests (this cluster does not report its hops). Ctrl-C stops.');
      const url = first.replace('kiada view: ', '');
      const registry = fs.readdirSync(path.join(lab.home, 'run', 'kiada'));
      expect(registry).toEqual([expect.stringMatching(/^view-[0-9a-f]{16}\.json$/)]);
      expect(fs.statSync(path.join(lab.home, 'run', 'kiada', registry[0])).mode & 0o777).toBe(0o600);
      // The page's event stream, read as the page reads it.
      const ctl = new AbortController();
      const res = await fetch(`${url}events`, { signal: ctl.signal });
      const reader = res.body!.getReader();
      let text = '';
      const frames = () => text.split('\n\n').filter((f) => f.startsWith('event: ')).map((f) => ({ event: f.split('\n')[0].slice(7), data: JSON.parse(f.split('\n')[1].slice(6)) }));
      const until = async (ok: () => boolean) => {
        while (!ok()) text += new TextDecoder().decode((await reader.read()).value);
      };
      await until(() => frames().some((f) => f.event === 'state'));
      const state = frames().find((f) => f.event === 'state')!.data;
      expect([state.lab, state.nodes.map((n: { name: string }) => n.name)]).toEqual([false, ['kind-control-plane', 'kind-worker', 'kind-worker2']]);
      const r = await kiada(['trace', 'port-forward', '-o', 'json']);
      expect(r.code).toBe(0);
      const id = /trace=([0-9a-f]{8})/.exec(JSON.parse(r.stdout).hops[5].detail)![1];
      await until(() => frames().some((f) => f.event === 'trace' && f.data.hop === 'app'));
      const hops = frames().filter((f) => f.event === 'trace').map((f) => f.data);
      expect(hops.map((h) => [h.hop, h.ok, h.source, h.trace, h.pod])).toEqual([
        ['local listener', true, 'client', id, 'kiada'], ['tunnel', true, 'client', id, 'kiada'], ['app', true, 'client', id, 'kiada'],
      ]);
      expect(hops[2].clientIP).toBe('::ffff:127.0.0.1');
      ctl.abort();
    } finally {
      const exit = new Promise((r) => view.once('exit', r));
      view.kill('SIGINT');
      expect(await exit).toBe(0);
    }
    expect(fs.readdirSync(path.join(lab.home, 'run', 'kiada'))).toEqual([]);
  }, 60_000);
});
