// `kiada workshop` end to end, acting as the teacher and as two students with the kubeconfigs `workshop up` writes,
// through the real kubectl: on the cluster of KIADA_E2E_KUBECONFIG (kind, Minikube, GKE, with the kiada:0.1 image
// loaded, as .github/workflows/kind-e2e.yml does), or else on a lab of its own — so it runs in every `npm test`.
// A student is confined to their namespace (list, logs, exec, port-forward in the other's → kube-apiserver's exact
// Forbidden), the board marks what they did, check/reset/down do what they say, and after down a student's token
// no longer works.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipUnlessLab, startTestLab, type TestLab } from '@kiada/lab/testing.ts';

const GIVEN = process.env.KIADA_E2E_KUBECONFIG;
const skip = GIVEN ? false : skipUnlessLab();
const BIN = path.resolve(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.cjs');
const ID = randomBytes(3).toString('hex');
const A = `kw${ID}-a`;
const B = `kw${ID}-b`;

describe.skipIf(skip)(`kiada workshop on ${GIVEN ? 'the cluster of KIADA_E2E_KUBECONFIG' : 'a lab of its own (KIADA_E2E_KUBECONFIG=… for a real cluster)'}`, { timeout: 180_000 }, () => {
  // Made in beforeAll: a describe body runs even when the suite is skipped.
  let dir = '';
  let lab: TestLab | undefined;
  let teacherConfig = GIVEN ?? '';
  /** On a lab of its own, kiada finds the lab (curl-from-node logs into its node) by its id and state directory. */
  let labEnv: NodeJS.ProcessEnv = {};
  const run = (cmd: string, args: string[], kubeconfig = teacherConfig) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(cmd, args, { env: { ...process.env, ...labEnv, KUBECONFIG: kubeconfig, NO_COLOR: '1' }, cwd: dir, timeout: 150_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const teacher = (...args: string[]) => run(process.execPath, [BIN, '-q', ...args]);
  const asStudent = (name: string, cmd: 'kubectl' | 'kiada', ...args: string[]) =>
    cmd === 'kubectl' ? run('kubectl', args, path.join(dir, 'kiada-workshop', `${name}.kubeconfig`)) : run(process.execPath, [BIN, '-q', ...args], path.join(dir, 'kiada-workshop', `${name}.kubeconfig`));
  const forbidden = (verb: string, resource: string, ns: string, name = '') =>
    `Error from server (Forbidden): ${name ? `pods "${name}"` : 'pods'} is forbidden: User "system:serviceaccount:${A}:student" cannot ${verb} resource "${resource}" in API group "" in the namespace "${ns}"\n`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-e2e-workshop-'));
    if (!GIVEN) {
      lab = await startTestLab();
      teacherConfig = lab.kubeconfig;
      labEnv = { KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home };
    }
    const up = await teacher('workshop', 'up', '--names', `${A},${B}`, '--deploy', '--expires', '1h', '-o', 'json');
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout).students.map((s: { name: string }) => s.name)).toEqual([A, B]);
    for (const ns of [A, B]) expect((await run('kubectl', ['wait', '-n', ns, '--for=condition=Ready', 'pod/kiada', '--timeout=120s'])).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    if (dir) await teacher('workshop', 'down');
    await lab?.down();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('a student works in their namespace by default, and nowhere else', async () => {
    expect((await asStudent(A, 'kubectl', 'get', 'pods', '-o', 'name')).stdout).toBe('pod/kiada\n');
    expect(await asStudent(A, 'kubectl', 'get', 'pods', '-n', B)).toEqual({ code: 1, stdout: '', stderr: forbidden('list', 'pods', B) });
    // logs, exec and port-forward read the pod first: that get is what is refused.
    for (const args of [['logs', 'kiada', '-n', B], ['exec', 'kiada', '-n', B, '--', 'true'], ['port-forward', 'kiada', '-n', B, '18080:8080']]) {
      expect([args[0], await asStudent(A, 'kubectl', ...args)]).toEqual([args[0], { code: 1, stdout: '', stderr: forbidden('get', 'pods', B, 'kiada') }]);
    }
    expect(await asStudent(A, 'kubectl', 'get', 'nodes')).toEqual({ code: 1, stdout: '', stderr: `Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:${A}:student" cannot list resource "nodes" in API group "" at the cluster scope\n` });
    expect(await asStudent(A, 'kubectl', 'auth', 'can-i', 'list', 'pods', '-n', B)).toEqual({ code: 1, stdout: 'no\n', stderr: '' });
    expect(await asStudent(A, 'kubectl', 'auth', 'can-i', 'create', 'pods/portforward')).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
    expect((await asStudent(A, 'kubectl', 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).stdout).toBe(`system:serviceaccount:${A}:student`);
  });

  it('the LimitRange and ResourceQuota stop a runaway student, in kube-apiserver\'s words', async () => {
    expect((await asStudent(A, 'kubectl', 'logs', 'kiada')).stdout).toContain('Kiada 0.1 starting...\n');
    const pod = (name: string, resources: object) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { containers: [{ name: 'hog', image: 'kiada:0.1', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], resources }] } });
    const apply = (name: string, resources: object) => new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile('kubectl', ['create', '-f', '-'], { env: { ...process.env, KUBECONFIG: path.join(dir, 'kiada-workshop', `${A}.kubeconfig`) } }, (err, _o, stderr) =>
        resolve({ code: err ? 1 : 0, stderr }));
      child.stdin!.end(pod(name, resources));
    });
    expect(await apply('big', { limits: { cpu: '2' } })).toEqual({ code: 1,
      stderr: 'Error from server (Forbidden): error when creating "STDIN": pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n' });
    const half = { requests: { memory: '512Mi' }, limits: { memory: '512Mi' } };
    expect((await apply('hog1', half)).code).toBe(0);
    // kiada asks 64Mi: 64Mi + 512Mi used, 512Mi more would pass the 1Gi of requests.memory.
    expect(await apply('hog2', half)).toEqual({ code: 1,
      stderr: 'Error from server (Forbidden): error when creating "STDIN": pods "hog2" is forbidden: exceeded quota: student, requested: requests.memory=512Mi, used: requests.memory=576Mi, limited: requests.memory=1Gi\n' });
    expect((await asStudent(A, 'kubectl', 'delete', 'pod', 'hog1', '--grace-period=0', '--force')).code).toBe(0);
  });

  it('the board marks what the student did; check passes when all is done', async () => {
    expect((await teacher('workshop', 'check', A)).code).toBe(1);
    expect((await asStudent(A, 'kiada', 'curl-from-pod')).code).toBe(0);
    // exec to the pod's own IP: the book's `curl localhost` arrives from 127.0.0.1 where localhost resolves there first
    // (the lab), which the board cannot tell from a port-forward (tools/test/workshop-lab.test.ts shows both).
    const ip = (await asStudent(A, 'kubectl', 'get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}')).stdout;
    expect((await asStudent(A, 'kiada', 'exec', '--', 'curl', '-s', `http://${ip}:8080/`)).code).toBe(0);
    const pf = spawn(process.execPath, [BIN, '-q', 'port-forward', '0:8080', '--address', '127.0.0.1'], { env: { ...process.env, KUBECONFIG: path.join(dir, 'kiada-workshop', `${A}.kubeconfig`) } });
    try {
      let out = '';
      pf.stdout.on('data', (c) => (out += c));
      let port = '';
      for (let i = 0; i < 300 && !(port = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? ''); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toMatch(/Client IP: ::ffff:127\.0\.0\.1\n$/);
    } finally {
      pf.kill('SIGINT');
    }
    // curl from the node, as the student: no node shell, so a hostNetwork pod on the node (the generic provider),
    // which the namespace's Pod Security level (baseline) refuses in kube-apiserver's words, naming the teacher's flag…
    const refused = await asStudent(A, 'kiada', 'curl-from-node');
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr.split('\n')[0]).toBe('Error from server (Forbidden): pods "kiada-node-curl" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
    expect(refused.stderr).toContain('the teacher allows it with `kiada workshop up … --allow-host-network`');
    expect((await asStudent(A, 'kubectl', 'get', 'pods', '-o', 'name')).stdout).toBe('pod/kiada\n');
    // …and diagnose marks that route not tried (policy, not the network) and tries the others: nothing failed, exit 0.
    const diag = await asStudent(A, 'kiada', 'diagnose');
    expect([diag.code, diag.stderr]).toEqual([0, '']);
    expect(diag.stdout).toMatch(new RegExp('^✔ 1\\. pod is running and ready: [^\\n]+\\n' +
      `· 2\\. from its node: not tried: Pod Security "baseline" of namespace "${A}" refuses the hostNetwork pod it needs \\(the teacher allows it with \`kiada workshop up … --allow-host-network\`\\)\\n` +
      '✔ 3\\. from another pod: the app answered[^\\n]*\\n✔ 4\\. through port-forward: the app answered[^\\n]*\\nEvery route tried reaches the pod \\(1 not tried, see above\\)\\.\\n$'));
    expect((await asStudent(A, 'kubectl', 'get', 'pods', '-o', 'name')).stdout).toBe('pod/kiada\n');
    // …until the teacher opts in (up again: everything else stays as it was).
    expect((await teacher('workshop', 'up', '--names', `${A},${B}`, '--deploy', '--expires', '1h', '--allow-host-network')).code).toBe(0);
    expect((await run('kubectl', ['get', 'ns', A, '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}'])).stdout).toBe('privileged');
    const fromNode = await asStudent(A, 'kiada', 'curl-from-node');
    expect([fromNode.code, fromNode.stderr]).toEqual([0, '']);
    expect(fromNode.stdout).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: \S+\n$/);
    expect((await asStudent(A, 'kubectl', 'get', 'pods', '-o', 'name')).stdout).toBe('pod/kiada\n');
    const board = JSON.parse((await teacher('workshop', 'board', '-o', 'json')).stdout);
    expect(board.students.find((s: { name: string }) => s.name === A).exercises).toEqual({ deployed: true, ready: true, 'curl-from-node': true, 'curl-from-pod': true, 'port-forward': true, exec: true });
    expect(board.students.find((s: { name: string }) => s.name === B).exercises).toEqual({ deployed: true, ready: true, 'curl-from-node': false, 'curl-from-pod': false, 'port-forward': false, exec: false });
    expect(await teacher('workshop', 'check', A)).toEqual({ code: 0, stdout: `${A}: all 6 exercises done\n`, stderr: '' });
  });

  it('reset gives the student a fresh namespace and token; the old token stops working', async () => {
    const old = fs.readFileSync(path.join(dir, 'kiada-workshop', `${B}.kubeconfig`), 'utf8');
    fs.writeFileSync(path.join(dir, 'old.kubeconfig'), old);
    expect((await teacher('workshop', 'reset', B)).code).toBe(0);
    expect((await run('kubectl', ['get', 'pods', '-o', 'name'], path.join(dir, 'old.kubeconfig'))).stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    expect((await asStudent(B, 'kubectl', 'get', 'pods', '-o', 'name')).stdout).toBe('pod/kiada\n');
  });

  it('down removes everything it made, quickly even right after a reset; the students\' tokens no longer work', async () => {
    // Right after a reset kiada is still starting: a SIGTERM then once went unheard and down waited 30 s.
    expect((await teacher('workshop', 'reset', A)).code).toBe(0);
    fs.copyFileSync(path.join(dir, 'kiada-workshop', `${A}.kubeconfig`), path.join(dir, 'a.kubeconfig'));
    const t0 = Date.now();
    expect((await teacher('workshop', 'down')).stdout).toBe(`namespace "${A}" deleted\nnamespace "${B}" deleted\n`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await run('kubectl', ['get', 'ns', A, B, '--ignore-not-found', '-o', 'name'])).stdout).toBe('');
    expect((await run('kubectl', ['get', 'pods'], path.join(dir, 'a.kubeconfig'))).stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
  });
});
