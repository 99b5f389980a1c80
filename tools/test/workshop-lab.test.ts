// The board's marks against a real lab, with the real routes: a namespace labelled as a workshop student's (made
// with kubectl: all the board needs is the label; test/e2e-workshop.test.ts runs `workshop up`), kiada in it, then each of chapter 5's ways to
// reach it through the kiada commands — after each, `workshop board -o json` must show exactly that one more mark,
// and `workshop check` must exit 1 until all are done, then 0.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipUnlessLab, useTestLab, KIADA_POD } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();

describe.skipIf(skip)('workshop board and check on the lab', { timeout: 120_000 }, () => {
  const lab = useTestLab();
  const env = () => ({ ...process.env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' });
  const kiada = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  const marks = async () => {
    const r = await kiada(['workshop', 'board', '-o', 'json']);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout).students.find((s: { name: string }) => s.name === 'ana').exercises;
  };
  const lastClient = async () => (await lab.kubectl(['logs', '-n', 'ana', 'kiada', '--tail', '1'])).stdout.trim().split(' ').at(-1);
  const none = { deployed: true, ready: true, 'curl-from-node': false, 'curl-from-pod': false, 'port-forward': false, exec: false };

  beforeAll(async () => {
    await lab.kubectl(['create', 'namespace', 'ana']);
    await lab.kubectl(['label', 'namespace', 'ana', 'app.kubernetes.io/managed-by=kiada-workshop']);
    await lab.kubectl(['apply', '-n', 'ana', '-f', '-'], { input: KIADA_POD });
    await lab.waitReady('kiada', 'ana');
  }, 90_000);

  it('marks each route as it is taken, and check passes once all are', async () => {
    expect(await marks()).toEqual(none);
    expect(await kiada(['workshop', 'check', 'ana'])).toEqual({ code: 1, stdout: 'ana: missing curl-from-node, curl-from-pod, port-forward, exec\n', stderr: '' });

    expect((await kiada(['-n', 'ana', '-q', 'curl-from-node'])).code).toBe(0);
    expect(await lastClient()).toMatch(/^::ffff:10\.244\.\d\.1$/);
    expect(await marks()).toEqual({ ...none, 'curl-from-node': true });

    expect((await kiada(['-n', 'ana', '-q', 'curl-from-pod'])).code).toBe(0);
    expect(await lastClient()).toMatch(/^::ffff:10\.244\.\d\.\d+$/);
    expect(await marks()).toEqual({ ...none, 'curl-from-node': true, 'curl-from-pod': true });

    // exec: curl to the pod's own IP from inside it (the book's `curl localhost` is below).
    const ip = (await lab.kubectl(['get', 'pod', 'kiada', '-n', 'ana', '-o', 'jsonpath={.status.podIP}'])).stdout;
    expect((await kiada(['-n', 'ana', '-q', 'exec', '--', 'curl', '-s', `http://${ip}:8080/`])).code).toBe(0);
    expect(await lastClient()).toBe(`::ffff:${ip}`);
    expect(await marks()).toEqual({ ...none, 'curl-from-node': true, 'curl-from-pod': true, exec: true });
    expect((await kiada(['workshop', 'check', 'ana'])).stdout).toBe('ana: missing port-forward\n');

    const pf = spawn(process.execPath, [BIN, '-n', 'ana', '-q', 'port-forward', '18431:8080'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        pf.stdout.on('data', (d) => String(d).includes('Forwarding from') && resolve());
        pf.once('exit', (code) => reject(new Error(`port-forward ended: ${code}`)));
      });
      const body = await (await fetch('http://127.0.0.1:18431/')).text();
      expect(body).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
    } finally {
      pf.kill('SIGINT');
    }
    expect(await marks()).toEqual({ ...none, 'curl-from-node': true, 'curl-from-pod': true, exec: true, 'port-forward': true });
    expect(await kiada(['workshop', 'check', 'ana'])).toEqual({ code: 0, stdout: 'ana: all 6 exercises done\n', stderr: '' });
  });

  it('the book\'s `exec -- curl localhost:8080` arrives from the loopback curl tries first; `curl [::1]:8080` is an exec', async () => {
    // Not /etc/hosts decides (the pod's, written as the kubelet writes it, has "::1 localhost"): curl resolves
    // localhost itself, and which address it tries first depends on its version. The lab's pods run this
    // machine's curl (Debian's 7.88 tries 127.0.0.1 first): then the request looks like a port-forward's — the case
    // the board cannot tell apart, and says so. `curl [::1]:8080` is an exec with any curl.
    const v = await kiada(['-n', 'ana', '-q', 'exec', '--', 'curl', '-sv', 'localhost:8080']);
    expect(v.code).toBe(0);
    const connected = /Connected to localhost \(([^)]+)\)/.exec(v.stderr)?.[1];
    expect(connected === '127.0.0.1' || connected === '::1').toBe(true);
    expect(await lastClient()).toBe(connected === '::1' ? '::1' : '::ffff:127.0.0.1');
    expect((await kiada(['-n', 'ana', '-q', 'exec', '--', 'curl', '-s', '[::1]:8080'])).code).toBe(0);
    expect(await lastClient()).toBe('::1');
  });

  // kiada run by nobody, with a copy of the kubeconfig: a user who cannot enter the lab's nodes (not root) gets, for
  // curl-from-node, what the generic provider runs on any cluster.
  const asNobody = async (args: string[]) => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-nobody-'));
    try {
      fs.copyFileSync(lab.kubeconfig, path.join(home, 'kubeconfig'));
      for (const f of [home, path.join(home, 'kubeconfig')]) fs.chownSync(f, 65534, 65534);
      return await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [BIN, ...args], { uid: 65534, gid: 65534, cwd: home, timeout: 60_000, env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: path.join(home, 'kubeconfig'), NO_COLOR: '1' } },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  };

  it('curl-from-node by a user who cannot enter the lab\'s nodes (not root): a hostNetwork pod, as on a real cluster', async () => {
    {
      const r = await asNobody(['-n', 'ana', 'curl-from-node']);
      expect(r.stderr).toMatch(/^\$ kubectl -n ana run kiada-node-curl --rm -i --restart=Never --image=curlimages\/curl '--overrides=\{"spec":\{"nodeName":"kind-worker2?","hostNetwork":true\}\}' -- curl -s --max-time 10 http:\/\/10\.244\.\d\.\d+:8080\/\n/);
      expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: ::ffff:10\.244\.\d\.1\n$/)]);
      expect((await lab.kubectl(['get', 'pods', '-n', 'ana', '-o', 'name'])).stdout).toBe('pod/kiada\n');
    }
  });

  it('the tour where Pod Security refuses hostNetwork pods (a workshop without --allow-host-network): step 3 explained, steps 4–7 still run, exit 1', async () => {
    await lab.kubectl(['create', 'namespace', 'bo']);
    try {
      await lab.kubectl(['label', 'namespace', 'bo', 'pod-security.kubernetes.io/enforce=baseline']);
      await lab.kubectl(['apply', '-n', 'bo', '-f', '-'], { input: KIADA_POD });
      await lab.waitReady('kiada', 'bo');
      const r = await asNobody(['-n', 'bo', 'tour']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Error from server (Forbidden): pods "kiada-node-curl" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)\n' +
        'curl-from-node runs a hostNetwork pod on the node here, and namespace "bo" does not allow one (its Pod Security level). In a workshop the teacher allows it with `kiada workshop up … --allow-host-network`; elsewhere: kubectl label namespace bo pod-security.kubernetes.io/enforce=privileged --overwrite\n');
      expect(r.stderr.endsWith('error: step 3 (curl from the node) was refused by the namespace\'s Pod Security level (see above); every other step ran\n')).toBe(true);
      const after3 = r.stdout.slice(r.stdout.indexOf('── Step 4 of 7'));
      expect(after3).toMatch(/^── Step 4 of 7: [^\n]*\nKiada version 0\.1\. Request processed by "kiada"\. Client IP: ::ffff:10\.244\.\d\.\d+\n/);
      expect(after3).toContain('Client IP: ::ffff:127.0.0.1\n');
      expect(after3).toContain('── Step 7 of 7');
      expect((await lab.kubectl(['get', 'pods', '-n', 'bo', '-o', 'name'])).stdout).toBe('pod/kiada\n');
    } finally {
      await lab.kubectl(['delete', 'namespace', 'bo', '--wait=false']);
    }
  });

  it('diagnose where Pod Security refuses hostNetwork pods: hop 2 not tried (why, and the flag), the other routes tried, exit 0', async () => {
    await lab.kubectl(['create', 'namespace', 'cy']);
    try {
      await lab.kubectl(['label', 'namespace', 'cy', 'pod-security.kubernetes.io/enforce=baseline']);
      await lab.kubectl(['apply', '-n', 'cy', '-f', '-'], { input: KIADA_POD });
      await lab.waitReady('kiada', 'cy');
      const r = await asNobody(['-n', 'cy', '-q', 'diagnose']);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(/^✔ 1\. pod is running and ready: Running, Ready, IP 10\.244\.\d\.\d+ on kind-worker2?$/);
      expect(lines.slice(1, 2)).toEqual(['· 2. from its node: not tried: Pod Security "baseline" of namespace "cy" refuses the hostNetwork pod it needs (the teacher allows it with `kiada workshop up … --allow-host-network`)']);
      expect(lines[2]).toMatch(/^✔ 3\. from another pod: the app answered, client IP ::ffff:10\.244\.\d\.\d+$/);
      expect(lines.slice(3)).toEqual(['✔ 4. through port-forward: the app answered, client IP ::ffff:127.0.0.1', 'Every route tried reaches the pod (1 not tried, see above).', '']);
      expect((await lab.kubectl(['get', 'pods', '-n', 'cy', '-o', 'name'])).stdout).toBe('pod/kiada\n');
    } finally {
      await lab.kubectl(['delete', 'namespace', 'cy', '--wait=false']);
    }
  });
});
