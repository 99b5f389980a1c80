// `kiada workshop up|board|check|reset|down` through the real bin, against the stand-in API server of
// fixtures/fake-workshop-api.ts, which records every request and can refuse one mid-way (test/e2e-workshop.test.ts
// runs the same commands on a lab of its own, and on a real cluster with KIADA_E2E_KUBECONFIG).
// Exact outputs, exit codes, the requests made (none for bad input), the files written and removed.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startFakeApi, type FakeApi } from './fixtures/fake-workshop-api.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('kiada workshop (against a stand-in API server)', { timeout: 60_000 }, () => {
  let api: FakeApi;
  let tmp: string;
  let kubeconfig: string;
  const env = () => ({ ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' });
  const kiada = (args: string[], cwd = tmp): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), cwd, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const nsNames = () => api.list('/namespaces/').filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort();

  beforeAll(async () => {
    api = await startFakeApi();
    api.nodes = [
      { metadata: { name: 'kind-worker' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.3' }] } },
      { metadata: { name: 'kind-worker2' }, spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.4' }] } },
    ];
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-workshop-'));
    kubeconfig = path.join(tmp, 'teacher.kubeconfig');
    fs.writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "${api.url}", certificate-authority-data: ${Buffer.from(api.ca).toString('base64')}}}]
users: [{name: teacher, user: {token: teacher-token}}]
contexts: [{name: fake, context: {cluster: fake, user: teacher}}]
current-context: fake
`);
  }, 30_000);
  afterAll(async () => {
    await api?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.requests.length = 0;
  });

  it('refuses bad input in one line, before any request', async () => {
    for (const [args, err] of [
      [['workshop', 'up', '--names', 'Ana,bo'], 'error: invalid student name "Ana": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)\n'],
      [['workshop', 'up'], 'error: give either --students N or --names NAME,NAME,…\n'],
      [['workshop', 'up', '--students', '3', '--expires', '5m'], 'error: invalid --expires "5m": at least 10m (the shortest token the API issues)\n'],
      [['workshop', 'check', '../x'], 'error: invalid student name "../x": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)\n'],
      [['workshop', 'up', '--students', '2', '-o', 'xml'], 'error: option \'-o, --output <format>\' argument \'xml\' is invalid. Allowed choices are json, yaml.\nSee \'kiada --help\' for usage.\n'],
    ] as const) {
      expect(await kiada([...args])).toEqual({ code: 1, stdout: '', stderr: err });
    }
    expect(api.requests).toEqual([]);
  });

  it('up makes each student\'s corner, kubeconfig and login cards', async () => {
    const r = await kiada(['workshop', 'up', '--students', '3', '--deploy', '--expires', '2h', '-o', 'json']);
    expect(r.code).toBe(0);
    const dir = path.join(tmp, 'kiada-workshop');
    expect(JSON.parse(r.stdout)).toEqual({ students: [1, 2, 3].map((i) => ({ name: `student${i}`, namespace: `student${i}`, kubeconfig: path.join(dir, `student${i}.kubeconfig`) })) });
    // The kubectl commands it stands for, for the first student only.
    expect(r.stderr).toBe(
      [
        '$ kubectl create namespace student1',
        '$ kubectl label namespace student1 pod-security.kubernetes.io/enforce=baseline --overwrite',
        '$ kubectl create serviceaccount student -n student1',
        '$ kubectl apply -n student1 -f -',
        '  (the Role, RoleBinding, ResourceQuota and LimitRange "student"; kubectl get role,rolebinding,quota,limits -n student1 -o yaml shows them)',
        '$ kubectl create token student -n student1 --duration=7200s',
        '$ kubectl apply -n student1 -f k8s/pod.kiada.yaml',
        '  (the same for the other 2 students)',
        '',
      ].join('\n'),
    );
    expect(nsNames()).toEqual(['student1', 'student2', 'student3']);
    for (const i of [1, 2, 3]) {
      const ns = `student${i}`;
      const kinds = api.list(`/namespaces/${ns}/`).map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(kinds).toEqual(['LimitRange/student', 'Pod/kiada', 'ResourceQuota/student', 'Role/student', 'RoleBinding/student', 'ServiceAccount/student']);
      const file = path.join(dir, `${ns}.kubeconfig`);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const kc = parse(fs.readFileSync(file, 'utf8'));
      expect(kc.contexts).toEqual([{ name: `${ns}@kiada-workshop`, context: { cluster: 'kiada-workshop', user: ns, namespace: ns } }]);
      expect(kc.clusters[0].cluster).toEqual({ server: api.url, 'certificate-authority-data': Buffer.from(api.ca).toString('base64') });
      expect(kc.users[0].user.token).toMatch(new RegExp(`^fake-token-${ns}-\\d+$`));
    }
    expect(api.requests.filter((q) => q.startsWith('POST') && q.endsWith('/token'))).toHaveLength(3);
    const cards = fs.readFileSync(path.join(dir, 'cards.txt'), 'utf8');
    expect(cards.split('\f\n').map((c) => c.split('\n')[0])).toEqual(['kiada workshop — student1', 'kiada workshop — student2', 'kiada workshop — student3']);
    expect(cards).not.toContain('kubectl apply'); // deployed: no step for it
    expect(fs.readFileSync(path.join(dir, 'cards.html'), 'utf8').match(/<section class="card">/g)).toHaveLength(3);
  });

  it('up again brings everything up to date and keeps the accounts (their tokens stay valid)', async () => {
    const uid = api.objects.get('/namespaces/student1/serviceaccounts/student')!.metadata.uid;
    const r = await kiada(['workshop', 'up', '--students', '3', '--deploy', '-q']);
    expect(r).toEqual({
      code: 0,
      stdout: ['NAME       NAMESPACE   KUBECONFIG', 'student1   student1    kiada-workshop/student1.kubeconfig', 'student2   student2    kiada-workshop/student2.kubeconfig', 'student3   student3    kiada-workshop/student3.kubeconfig', ''].join('\n'),
      stderr: 'Login cards: kiada-workshop/cards.txt, kiada-workshop/cards.html. Hand each student their kubeconfig file; tokens expire in 8h.\n',
    });
    expect(api.objects.get('/namespaces/student1/serviceaccounts/student')!.metadata.uid).toBe(uid);
    const level = (ns: string) => api.objects.get(`/namespaces/${ns}`)!.metadata.labels['pod-security.kubernetes.io/enforce'];
    expect([1, 2, 3].map((i) => level(`student${i}`))).toEqual(['baseline', 'baseline', 'baseline']);
    // --allow-host-network: Pod Security privileged, so that a student's curl-from-node pod (hostNetwork) is admitted.
    const open = await kiada(['workshop', 'up', '--students', '3', '--deploy', '-q', '--allow-host-network']);
    expect([open.code, open.stderr.split('\n')[0]]).toEqual([0, 'Pod Security "privileged" in every student namespace: hostNetwork pods (curl-from-node) — and privileged ones — are allowed there.']);
    expect([1, 2, 3].map((i) => level(`student${i}`))).toEqual(['privileged', 'privileged', 'privileged']);
    expect(api.objects.get('/namespaces/student1/serviceaccounts/student')!.metadata.uid).toBe(uid);
  });

  it('up refuses a namespace that is not the workshop\'s, before making anything', async () => {
    api.objects.set('/namespaces/ana', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ana', uid: 'x' } });
    try {
      const r = await kiada(['workshop', 'up', '--names', 'zed,ana']);
      expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: namespace "ana" already exists and is not the workshop\'s: choose other names, or delete it first\n' });
      expect(api.requests.filter((q) => !q.startsWith('GET'))).toEqual([]);
    } finally {
      api.objects.delete('/namespaces/ana');
    }
  });

  it('up that fails part-way says what stays and how to go on; up again completes it', async () => {
    api.refuse = (method, p) => (method === 'POST' && p === '/api/v1/namespaces/zed/limitranges' ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'limitranges "student" is forbidden: exceeded quota: test', reason: 'Forbidden', details: { name: 'student', kind: 'limitranges' }, code: 403 } : undefined);
    try {
      expect(await kiada(['workshop', 'up', '--names', 'zed', '-q'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Error from server (Forbidden): limitranges "student" is forbidden: exceeded quota: test\nWhat was made so far stays: run the same `kiada workshop up` again once this is fixed, or `kiada workshop down`.\n',
      });
    } finally {
      api.refuse = undefined;
    }
    expect(api.objects.has('/namespaces/zed/roles/student')).toBe(true);
    expect((await kiada(['workshop', 'up', '--names', 'zed', '-q', '-o', 'json'])).code).toBe(0);
    expect(api.objects.has('/namespaces/zed/limitranges/student')).toBe(true);
    // Not part of the class: the namespace goes again (reset and down below count three students).
    api.objects.delete('/namespaces/zed');
    for (const k of [...api.objects.keys()]) if (k.startsWith('/namespaces/zed/')) api.objects.delete(k);
    fs.rmSync(path.join(tmp, 'kiada-workshop', 'zed.kubeconfig'));
  });

  it('check: exit 1 naming what is missing, exit 0 when all is done', async () => {
    expect(await kiada(['workshop', 'check', 'student1'])).toEqual({ code: 1, stdout: 'student1: missing curl-from-node, curl-from-pod, port-forward, exec\n', stderr: '' });
    api.logs.set('student1/kiada', ['Kiada 0.1 starting...', 'Received request for / from ::ffff:10.244.1.1', 'Received request for / from ::ffff:10.244.2.5', 'Received request for / from ::ffff:127.0.0.1', 'Received request for / from ::1', ''].join('\n'));
    expect(await kiada(['workshop', 'check', 'student1'])).toEqual({ code: 0, stdout: 'student1: all 6 exercises done\n', stderr: '' });
    const j = await kiada(['workshop', 'check', 'student2', '-o', 'json']);
    expect([j.code, JSON.parse(j.stdout)]).toEqual([1, { name: 'student2', exercises: { deployed: true, ready: true, 'curl-from-node': false, 'curl-from-pod': false, 'port-forward': false, exec: false }, missing: ['curl-from-node', 'curl-from-pod', 'port-forward', 'exec'] }]);
    expect(await kiada(['workshop', 'check', 'nobody'])).toEqual({ code: 1, stdout: '', stderr: 'error: there is no student "nobody" in this workshop (no namespace "nobody")\n' });
  });

  it('board -o json: every student\'s marks, once', async () => {
    api.logs.set('student2/kiada', 'Received request for / from ::ffff:127.0.0.1\n');
    const r = await kiada(['workshop', 'board', '-o', 'json']);
    expect(r.code).toBe(0);
    const marks = (o: Record<string, boolean>) => ({ deployed: true, ready: true, 'curl-from-node': false, 'curl-from-pod': false, 'port-forward': false, exec: false, ...o });
    expect(JSON.parse(r.stdout)).toEqual({
      students: [
        { name: 'student1', exercises: marks({ 'curl-from-node': true, 'curl-from-pod': true, 'port-forward': true, exec: true }) },
        { name: 'student2', exercises: marks({ 'port-forward': true }) },
        { name: 'student3', exercises: marks({}) },
      ],
    });
  });

  it('board, piped: the table once, then a line per exercise as it is done; Ctrl-C ends it (130)', async () => {
    const child = spawn(process.execPath, [BIN, 'workshop', 'board', '--interval', '200ms'], { env: env(), cwd: tmp });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (what: string) => {
      for (let i = 0; i < 100 && !out.includes(what); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(what);
    };
    await waitFor('student3');
    expect(out).toBe(
      [
        'STUDENT    DEPLOYED   READY   CURL-FROM-NODE   CURL-FROM-POD   PORT-FORWARD   EXEC   DONE',
        'student1   yes        yes     yes              yes             yes            yes    6/6',
        'student2   yes        yes     -                -               yes            -      3/6',
        'student3   yes        yes     -                -               -              -      2/6',
        '',
      ].join('\n'),
    );
    api.logs.set('student3/kiada', 'Received request for / from ::ffff:10.244.2.1\n');
    await waitFor('curl-from-node');
    expect(out.split('\n').slice(4).join('\n')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ student3 curl-from-node\n$/);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });

  const boardOnTerminal = async (cols: number) => {
    // A terminal of its own (util-linux `script`), `cols` columns.
    const cmd = `stty cols ${cols} rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} workshop board --interval 200ms`;
    const term = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...env(), TERM: 'xterm' }, cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    term.stdout.on('data', (d) => (out += d));
    const frames = () => out.split('kiada workshop board').length - 1;
    for (let i = 0; i < 100 && frames() < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(frames()).toBeGreaterThanOrEqual(3);
    const exited = new Promise<number | null>((r) => term.once('exit', (code) => r(code)));
    term.stdin.write('\x03'); // Ctrl-C on the terminal: SIGINT to the board
    expect(await exited).toBe(130);
    expect(out.startsWith('\x1b[?25l')).toBe(true);
    expect(out.endsWith('\x1b[?25h')).toBe(true);
    const frame = out.slice(out.indexOf('kiada workshop board'), out.indexOf('\x1b[0J') + 4);
    return { out, lines: frame.split('\x1b[K\r\n') };
  };

  it('board on a terminal: redrawn in place (cursor up, lines cleared), cursor hidden, shown again on Ctrl-C', async () => {
    const { out, lines } = await boardOnTerminal(100);
    // A frame: title, blank, header and three rows, blank, the note wrapped to 99 columns (3 lines) — 10 lines,
    // each cleared to its end; the next frame starts 10 lines up.
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^kiada workshop board — every 200ms, \d\d:\d\d:\d\d \(Ctrl-C to stop\)$/);
    expect(lines.slice(1, 10)).toEqual([
      '',
      'STUDENT    DEPLOYED   READY   CURL-FROM-NODE   CURL-FROM-POD   PORT-FORWARD   EXEC   DONE',
      'student1   ✓          ✓       ✓                ✓               ✓              ✓      6/6',
      'student2   ✓          ✓       ·                ·               ✓              ·      3/6',
      'student3   ✓          ✓       ✓                ·               ·              ·      3/6',
      '',
      'port-forward: requests from 127.0.0.1 (also an exec\'d `curl 127.0.0.1:8080`, and `curl',
      'localhost:8080` where curl tries 127.0.0.1 first, as on the lab); exec: from ::1 or the pod\'s own',
      'IP (`curl [::1]:8080`); logs leave no trace to mark',
    ]);
    expect(lines[10]).toBe('\x1b[0J');
    expect(out).toContain('\x1b[0J\x1b[10A\x1b[1Gkiada workshop board');
    expect(out.startsWith('\x1b[?25l\x1b[1Gkiada workshop board')).toBe(true);
  });

  it('board on an 80-column terminal: shorter headers, so EXEC and DONE are on screen; no line over 79 columns', async () => {
    const { lines } = await boardOnTerminal(80);
    expect(lines.slice(2, 6)).toEqual([
      'STUDENT    DEPLOYED   READY   FROM-NODE   FROM-POD   PORT-FWD   EXEC   DONE',
      'student1   ✓          ✓       ✓           ✓          ✓          ✓      6/6',
      'student2   ✓          ✓       ·           ·          ✓          ·      3/6',
      'student3   ✓          ✓       ✓           ·          ·          ·      3/6',
    ]);
    expect(lines.filter((l) => [...l].length > 79)).toEqual([]);
    expect(lines.slice(7, -1).join(' ')).toContain('logs leave no trace to mark');
  });

  it('reset makes the namespace again (with kiada) and writes a new kubeconfig', async () => {
    const uid = api.objects.get('/namespaces/student2/serviceaccounts/student')!.metadata.uid;
    const before = parse(fs.readFileSync(path.join(tmp, 'kiada-workshop', 'student2.kubeconfig'), 'utf8')).users[0].user.token;
    const r = await kiada(['workshop', 'reset', 'student2', '-q']);
    expect(r).toEqual({ code: 0, stdout: 'student2: namespace made again, kiada deployed; new kubeconfig kiada-workshop/student2.kubeconfig (the old one no longer works)\n', stderr: '' });
    // Its pods first, with a grace period of 1 s: the namespace's own deletion would give each its 30 s.
    expect(api.requests.filter((r) => r.startsWith('DELETE '))).toEqual(['DELETE /api/v1/namespaces/student2/pods/kiada?gracePeriodSeconds=1', 'DELETE /api/v1/namespaces/student2']);
    expect(api.objects.get('/namespaces/student2/serviceaccounts/student')!.metadata.uid).not.toBe(uid);
    expect(api.objects.has('/namespaces/student2/pods/kiada')).toBe(true);
    // Made again with the level it had (up --allow-host-network).
    expect(api.objects.get('/namespaces/student2')!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(parse(fs.readFileSync(path.join(tmp, 'kiada-workshop', 'student2.kubeconfig'), 'utf8')).users[0].user.token).not.toBe(before);
    expect(await kiada(['workshop', 'reset', 'kube-system'])).toEqual({ code: 1, stdout: '', stderr: 'error: invalid student name "kube-system": the cluster uses that namespace itself\n' });
  });

  it('down removes every namespace and the files it wrote', async () => {
    fs.writeFileSync(path.join(tmp, 'kiada-workshop', 'notes.txt'), 'mine');
    const r = await kiada(['workshop', 'down']);
    expect(r).toEqual({
      code: 0,
      stdout: 'namespace "student1" deleted\nnamespace "student2" deleted\nnamespace "student3" deleted\n',
      stderr: '$ kubectl delete pods --all --grace-period=1 -n student1\n  (the same in the other 2 namespaces: a teardown need not wait 30 s for each pod)\n$ kubectl delete namespace -l app.kubernetes.io/managed-by=kiada-workshop\n',
    });
    expect(nsNames()).toEqual([]);
    // The teacher's own file stays, and so its directory.
    expect(fs.readdirSync(path.join(tmp, 'kiada-workshop'))).toEqual(['notes.txt']);
    fs.rmSync(path.join(tmp, 'kiada-workshop', 'notes.txt'));
    expect(await kiada(['workshop', 'down', '-o', 'json'])).toEqual({ code: 0, stdout: '{\n  "deleted": []\n}\n', stderr: '' });
    expect(fs.existsSync(path.join(tmp, 'kiada-workshop'))).toBe(false);
  });

  it('with two students, "the other student" and "the other namespace" (not "the other 1 students"); the Pod Security label printed', async () => {
    const r = await kiada(['workshop', 'up', '--students', '2']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('\n  (the same for the other student)\n');
    // Run again with --allow-host-network: the label it changes is among the commands printed.
    const again = await kiada(['workshop', 'up', '--students', '2', '--allow-host-network']);
    expect(again.stderr).toContain('$ kubectl create namespace student1\n$ kubectl label namespace student1 pod-security.kubernetes.io/enforce=privileged --overwrite\n');
    const d = await kiada(['workshop', 'down']);
    expect(d.code).toBe(0);
    expect(d.stderr).toBe('$ kubectl delete pods --all --grace-period=1 -n student1\n  (the same in the other namespace: a teardown need not wait 30 s for each pod)\n$ kubectl delete namespace -l app.kubernetes.io/managed-by=kiada-workshop\n');
    expect(nsNames()).toEqual([]);
  });
});
