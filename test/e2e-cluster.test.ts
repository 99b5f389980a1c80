// Every kiada command against a cluster, as a user runs them: the cluster of KIADA_E2E_KUBECONFIG (kind, Minikube,
// GKE…, with the kiada pod deployed from k8s/pod.kiada.yaml, as .github/workflows/kind-e2e.yml does), or else a
// lab of its own with k8s/pod.kiada.yaml applied — so the suite itself runs in every `npm test`.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { skipUnlessLab, startTestLab, type TestLab } from '@kiada/lab/testing.ts';

const GIVEN = process.env.KIADA_E2E_KUBECONFIG;
const skip = GIVEN ? false : skipUnlessLab();
const BIN = path.resolve(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.cjs');
const MANIFEST = path.resolve(import.meta.dirname, '..', 'k8s', 'pod.kiada.yaml');
let env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: GIVEN, NO_COLOR: '1' };

const run = (cmd: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
const kiada = (...args: string[]) => run(process.execPath, [BIN, '-q', ...args]);
const LINE = /^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: \S+\n$/;

describe.skipIf(skip)(`kiada on ${GIVEN ? 'the cluster of KIADA_E2E_KUBECONFIG' : 'a lab of its own (KIADA_E2E_KUBECONFIG=… for a real cluster)'}`, () => {
  let ip = '';
  let lab: TestLab | undefined;
  beforeAll(async () => {
    if (!GIVEN) {
      lab = await startTestLab();
      env = { ...env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home };
      expect((await run('kubectl', ['apply', '-f', MANIFEST])).stdout).toBe('pod/kiada created\n');
    }
    const r = await run('kubectl', ['wait', '--for=condition=Ready', 'pod/kiada', '--timeout=120s']);
    expect(r.code).toBe(0);
    ip = (await run('kubectl', ['get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}'])).stdout;
  }, 150_000);
  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  it('pod-ip and ports', async () => {
    expect(await kiada('pod-ip')).toEqual({ code: 0, stdout: `${ip}\n`, stderr: '' });
    expect((await kiada('ports')).stdout).toBe('kiada\thttp 8080/TCP\n');
  });
  it('curl-from-node (auto provider) and the generic provider', async () => {
    expect((await kiada('curl-from-node')).stdout).toMatch(LINE);
    expect((await kiada('curl-from-node', '--provider', 'generic')).stdout).toMatch(LINE);
  }, 120_000);
  it('curl-from-pod leaves no pod behind', async () => {
    const r = await kiada('curl-from-pod');
    expect(r.stdout).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: \S+\npod "client-pod(-[0-9a-f]{5})?" deleted\n$/);
    expect((await run('kubectl', ['get', 'pods', '-l', 'app.kubernetes.io/managed-by=kiada', '-o', 'name'])).stdout).toBe('');
  }, 120_000);
  it('port-forward reaches the pod loopback and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, '-q', 'port-forward', '0:8080', '--address', '127.0.0.1'], { env });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const end = Date.now() + 30_000;
      let port = '';
      while (!(port = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? '') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
  it('the tour walks its seven steps', async () => {
    const r = await kiada('tour');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^── Step \d of 7: /gm)).toHaveLength(7);
  }, 240_000);
  it('exec, logs and diagnose', async () => {
    expect((await kiada('exec', 'kiada', '--', 'sh', '-c', 'exit 0')).code).toBe(0);
    expect(await kiada('exec', '--', 'sh', '-c', 'exit 3')).toEqual({ code: 3, stdout: '', stderr: 'command terminated with exit code 3\n' });
    expect((await kiada('logs', '--tail', '1')).stdout).toMatch(/^Received request for \/ from /);
    expect((await kiada('diagnose')).stdout).toContain('Every route reaches the pod.');
  }, 180_000);
  it('trace: port-forward, exec and a client pod, hop by hop (every hop observed on the lab, none failing anywhere)', async () => {
    const routes: [string, string[], RegExp][] = [
      ['port-forward', ['local listener', 'tunnel', 'API server', 'kubelet', 'pod loopback', 'app'], /^::ffff:127\.0\.0\.1$/],
      ['exec', ['tunnel', 'API server', 'kubelet', 'pod loopback', 'app'], /^::ffff:127\.0\.0\.1$/],
      ['pod', ['client pod', 'pod eth0', 'app'], /^(::ffff:)?\d+\.\d+\.\d+\.\d+$/],
    ];
    for (const [method, hops, clientIP] of routes) {
      const r = await kiada('trace', method, '-o', 'json');
      expect([method, r.code, r.stderr.includes('Error')]).toEqual([method, 0, false]);
      const t = JSON.parse(r.stdout);
      expect(t.hops.map((h: { name: string }) => h.name)).toEqual(hops);
      expect(t.clientIP).toMatch(clientIP);
      // On a real cluster the API server's and the kubelet's side are not observed (null), never failing.
      expect(t.hops.map((h: { ok: boolean | null }) => h.ok).filter((ok: boolean | null) => ok !== true && (ok !== null || !GIVEN))).toEqual([]);
    }
  }, 120_000);
});
