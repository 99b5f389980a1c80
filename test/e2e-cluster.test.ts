// Opt-in: every kiada command against a real cluster (kind, Minikube, GKE…) given by KIADA_E2E_KUBECONFIG,
// with the kiada pod deployed from k8s/pod.kiada.yaml. Skipped, with a message, when the variable is unset.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';

const KUBECONFIG = process.env.KIADA_E2E_KUBECONFIG;
if (!KUBECONFIG) console.warn('skipping the real-cluster suite: set KIADA_E2E_KUBECONFIG to a cluster with the kiada pod deployed');
const BIN = path.resolve(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.js');

const run = (cmd: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { env: { ...process.env, KUBECONFIG, NO_COLOR: '1' }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
const kiada = (...args: string[]) => run(process.execPath, [BIN, '-q', ...args]);
const LINE = /^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: \S+\n$/;

describe.skipIf(!KUBECONFIG)('kiada on a real cluster', () => {
  let ip = '';
  beforeAll(async () => {
    const r = await run('kubectl', ['wait', '--for=condition=Ready', 'pod/kiada', '--timeout=120s']);
    expect(r.code).toBe(0);
    ip = (await run('kubectl', ['get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}'])).stdout;
  }, 150_000);

  it('pod-ip and ports', async () => {
    expect(await kiada('pod-ip')).toEqual({ code: 0, stdout: `${ip}\n`, stderr: '' });
    expect((await kiada('ports')).stdout).toBe('CONTAINER   NAME   PORT   PROTOCOL\nkiada       http   8080   TCP\n');
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
  it('exec, logs and diagnose', async () => {
    expect((await kiada('exec', 'kiada', '--', 'sh', '-c', 'exit 0')).code).toBe(0);
    expect((await kiada('logs', '--tail', '1')).stdout).toMatch(/^Received request for \/ from /);
    expect((await kiada('diagnose')).stdout).toContain('Every route reaches the pod.');
  }, 180_000);
});
