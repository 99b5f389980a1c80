// The chapter's transcript with the oldest, the default and the newest kubectl against the lab: apply the book's
// manifest, get -o wide, describe, exec, logs, port-forward — each in a namespace of its own, outputs asserted exactly
// (up to what differs by nature: ages, IPs, the node the scheduler picked). The -it commands have their own suite
// (terminals.test.ts), run with the same three builds.
import { describe, it, expect } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { skipUnlessLab, useTestLab, waitFor } from '../src/testing.ts';
import { KUBECTLS } from './kubectls.ts';

const skip = skipUnlessLab();
const MANIFEST = path.join(import.meta.dirname, '..', '..', 'k8s', 'pod.kiada.yaml');

describe.skipIf(skip)('the chapter with kubectl 1.27, 1.32 and 1.33', () => {
  const lab = useTestLab();

  describe.each(KUBECTLS)('%s', (name, bin) => {
    const ns = `v${name.replace(/\D/g, '')}`;
    const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(bin, ['--kubeconfig', lab.kubeconfig, '--cache-dir', `${lab.cacheDir}-${ns}`, '-n', ns, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    let ip = '';

    it('applies the book\'s manifest and the pod runs', async () => {
      expect(await run('create', 'namespace', ns)).toEqual({ code: 0, stdout: `namespace/${ns} created\n`, stderr: '' });
      expect(await run('apply', '-f', MANIFEST)).toEqual({ code: 0, stdout: 'pod/kiada created\n', stderr: '' });
      ip = (await lab.waitReady('kiada', ns)).status.podIP;
      expect(ip).toMatch(/^10\.244\.[12]\.\d+$/);
    }, 60_000);

    it('get -o wide shows the IP and the node in kubectl\'s columns', async () => {
      const r = await run('get', 'pod', 'kiada', '-o', 'wide');
      expect(r.stderr).toBe('');
      const [head, row, end] = r.stdout.split('\n');
      expect(head).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/);
      expect(row).toMatch(new RegExp(`^kiada +1/1 +Running +0 +\\d+s +${ip.replace(/\./g, '\\.')} +kind-worker2? +<none> +<none>$`));
      expect(end).toBe('');
    });

    it('describe shows the pod as the API server defaulted it', async () => {
      const r = await run('describe', 'pod', 'kiada');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Name: +kiada\nNamespace: +${ns}\n`));
      expect(r.stdout).toMatch(new RegExp(`\nIP: +${ip.replace(/\./g, '\\.')}\n`));
      expect(r.stdout).toContain('\n    Liveness:     http-get http://:http/healthz delay=0s timeout=1s period=10s #success=1 #failure=3\n');
      expect(r.stdout).toMatch(/\n {4}Port: +8080\/TCP\n/);
    });

    // The book shows `::1` here: which loopback curl tries first for "localhost" depends on its version and resolver;
    // this machine's curl (the lab's curl) takes 127.0.0.1, which the dual-stack app sees as ::ffff:127.0.0.1.
    it('exec runs curl in the container; logs shows the request', async () => {
      expect(await run('exec', 'kiada', '--', 'curl', '-s', 'localhost:8080')).toEqual({
        code: 0, stdout: 'Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n', stderr: '',
      });
      const logs = await run('logs', 'kiada', '--tail', '1');
      expect(logs).toEqual({ code: 0, stdout: 'Received request for / from ::ffff:127.0.0.1\n', stderr: '' });
    });

    it('port-forward reaches the pod\'s loopback, and Ctrl-C ends it', async () => {
      const child = spawn(bin, ['--kubeconfig', lab.kubeconfig, '--cache-dir', `${lab.cacheDir}-${ns}`, '-n', ns, 'port-forward', 'kiada', ':8080']);
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      try {
        const port = await waitFor('Forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n/.exec(out)?.[1], 15_000);
        const body = await (await fetch(`http://127.0.0.1:${port}/`, { headers: { 'User-Agent': 'curl/8' } })).text();
        expect(body).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
      } finally {
        child.kill('SIGINT');
      }
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    }, 30_000);
  });
});
