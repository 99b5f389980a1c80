// `kiada lab up --listen ADDR[:PORT]`: the lab served on another address, as kind's apiServerAddress/apiServerPort
// — here 127.0.0.2, a second loopback address (never a private range in the host's namespace). The admin's and a
// workshop student's kubeconfigs point there, the certificate names it, and the real kubectl gets, reads logs,
// execs (-i, and -t in a terminal), port-forwards and attaches through it; 127.0.0.1 is not served. Bad values
// and an address that is not this machine's are one line and exit 1, with nothing left behind.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import YAML from 'yaml';
import { labDown } from '@kiada/lab/control.ts';
import { makeTestHome, randomLabId, readOwner, registryDir, skipUnlessLab, waitFor, KIADA_POD } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();
const HOST = '127.0.0.2';

type Run = { code: number; stdout: string; stderr: string };
function run(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeout?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { ...baseEnv(), ...o.env }, cwd: o.cwd, timeout: o.timeout ?? 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin!.end(o.input ?? '');
  });
}
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['KUBECONFIG', 'KIADA_LAB_ID', 'KIADA_LAB_HOME', 'SUDO_UID', 'SUDO_GID', 'SUDO_USER']) delete env[k];
  return env;
}
const kiada = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) => run(process.execPath, [BIN, ...args], { env, cwd, timeout: 120_000 });

function freePort(host: string): Promise<number> {
  const s = net.createServer();
  return new Promise((resolve) => s.listen(0, host, () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  }));
}
const connectError = (host: string, port: number) =>
  new Promise<string>((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
/** Processes whose command line names the lab id (its daemon, agents): read from /proc, nothing signalled. */
function processesOf(id: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(id);
    } catch {
      return false;
    }
  }).map(Number);
}
const netnsOf = (id: string) => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`kiada-${id}-`));

const CAT_POD = `apiVersion: v1
kind: Pod
metadata: {name: cat}
spec:
  terminationGracePeriodSeconds: 1 # cat ignores SIGTERM as PID 1: workshop down need not wait 30 s
  containers:
  - name: cat
    image: busybox
    command: ["cat"]
    stdin: true
`;

describe.skipIf(skip)('kiada lab up --listen 127.0.0.2:PORT', { timeout: 180_000 }, () => {
  const id = randomLabId('l');
  let home = '';
  let port = 0;
  let kubeconfig = '';
  let work = '';
  const labEnv = () => ({ KIADA_LAB_HOME: home });

  beforeAll(async () => {
    home = makeTestHome('kiada-listen-');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-listen-work-'));
    port = await freePort(HOST);
    const up = await kiada(['lab', 'up', '--lab-id', id, '--listen', `${HOST}:${port}`], labEnv());
    expect(up).toMatchObject({ code: 0, stderr: '' });
    kubeconfig = path.join(home, 'kubeconfig');
    expect(up.stdout).toBe(`The lab is up: API server https://${HOST}:${port}, nodes kind-control-plane, kind-worker, kind-worker2.\nKubeconfig: ${kubeconfig}\n\nexport KUBECONFIG=${kubeconfig}\n`);
  }, 120_000);
  afterAll(async () => {
    await labDown({ id, home }).catch(() => {});
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
    expect(netnsOf(id)).toEqual([]);
  }, 60_000);

  const kubectl = (config: string, args: string[], input?: string) =>
    run('kubectl', ['--kubeconfig', config, '--cache-dir', path.join(work, 'kubectl-cache'), ...args], { input });

  /** Everything the chapter does through the API, as whoever the kubeconfig is, in its default namespace. */
  async function chapter(config: string) {
    expect(YAML.parse(fs.readFileSync(config, 'utf8')).clusters[0].cluster.server).toBe(`https://${HOST}:${port}`);
    expect((await kubectl(config, ['apply', '-f', '-'], KIADA_POD + '---\n' + CAT_POD)).code).toBe(0);
    await waitFor('kiada and cat ready', async () => (await kubectl(config, ['wait', '--for=condition=Ready', 'pod/kiada', 'pod/cat', '--timeout=5s'])).code === 0, 60_000);
    expect((await kubectl(config, ['get', 'pods', '-o', 'name'])).stdout).toBe('pod/cat\npod/kiada\n');
    expect((await kubectl(config, ['logs', 'kiada'])).stdout).toContain('Kiada 0.1 starting...\n');
    // exec -i: stdin goes through the API server's address and back.
    expect(await kubectl(config, ['exec', '-i', 'kiada', '--', 'cat'], 'through 127.0.0.2\n')).toEqual({ code: 0, stdout: 'through 127.0.0.2\n', stderr: '' });
    expect(await kubectl(config, ['exec', 'kiada', '--', 'sh', '-c', 'exit 3'])).toMatchObject({ code: 3, stderr: 'command terminated with exit code 3\n' });
    // exec -it in a terminal of its own.
    // script's stdin stays open while it runs, as a person's terminal does: at the end of its input script would type
    // the terminal's EOF character into the session, which can reach the pod's terminal (echoed there as ^@).
    const tty = await new Promise<Run>((resolve) => {
      const child = spawn('script', ['-qec', `kubectl --kubeconfig ${config} --cache-dir ${path.join(work, 'kubectl-cache')} exec -it kiada -- tty`, '/dev/null'], { env: baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      const timer = setTimeout(() => child.kill(), 60_000);
      child.once('close', (code) => {
        clearTimeout(timer);
        child.stdin.end();
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+\r\n$/);
    // attach -i: the container's stdin is cat's, its output comes back (stdin is kept open until it has).
    const attach = spawn('kubectl', ['--kubeconfig', config, '--cache-dir', path.join(work, 'kubectl-cache'), 'attach', '-i', 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      let out = '';
      attach.stdout.on('data', (c) => (out += c));
      const exited = new Promise<number | null>((resolve) => attach.once('exit', (code) => resolve(code)));
      attach.stdin.write('attached via 127.0.0.2\n');
      expect(await waitFor('attach output', async () => out.includes('\n') && out, 30_000)).toBe('attached via 127.0.0.2\n');
      attach.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      attach.kill('SIGKILL');
    }
    // port-forward: a local port to the pod's loopback, the tunnel through 127.0.0.2.
    const pf = spawn('kubectl', ['--kubeconfig', config, '--cache-dir', path.join(work, 'kubectl-cache'), 'port-forward', 'kiada', '0:8080', '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      pf.stdout.on('data', (c) => (out += c));
      const local = await waitFor('port-forward listening', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000);
      expect(await (await fetch(`http://127.0.0.1:${local}/`)).text()).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
    } finally {
      pf.kill('SIGINT');
    }
  }

  it('listens on 127.0.0.2 only, with a certificate that names it (an IP SAN)', async () => {
    expect(readOwner(id)).toMatchObject({ host: HOST, port, ready: true });
    expect(await connectError('127.0.0.1', port)).toBe('ECONNREFUSED');
    const ca = Buffer.from(YAML.parse(fs.readFileSync(kubeconfig, 'utf8')).clusters[0].cluster['certificate-authority-data'], 'base64');
    // Verified as kubectl verifies it: against the lab's CA, for the IP address it dials.
    const cert = await new Promise<X509Certificate>((resolve, reject) => {
      const s = tls.connect({ host: HOST, port, ca }, () => {
        resolve(s.getPeerX509Certificate()!);
        s.end();
      });
      s.once('error', reject);
    });
    expect(cert.subjectAltName).toBe(`IP Address:127.0.0.1, DNS:localhost, DNS:kubernetes, IP Address:${HOST}`);
    expect(cert.checkIP(HOST)).toBe(HOST);
    // Discovery advertises it, as kube-apiserver its advertise address.
    expect(JSON.parse((await kubectl(kubeconfig, ['get', '--raw', '/api'])).stdout).serverAddressByClientCIDRs).toEqual([{ clientCIDR: '0.0.0.0/0', serverAddress: `${HOST}:${port}` }]);
  });

  it('lab status shows the address', async () => {
    expect(await kiada(['lab', 'status', '--lab-id', id], labEnv())).toEqual({ code: 0, stdout: `running: pid ${readOwner(id)!.pid}, API https://${HOST}:${port}, kubeconfig ${kubeconfig}\n`, stderr: '' });
    expect(JSON.parse((await kiada(['lab', 'status', '--lab-id', id, '-o', 'json'], labEnv())).stdout).state).toMatchObject({ host: HOST, port });
  });

  it('lab up again: the same address (or none) is "already running"; another address is refused, not ignored', async () => {
    for (const listen of [[], ['--listen', HOST], ['--listen', `${HOST}:${port}`]]) {
      const again = await kiada(['lab', 'up', '--lab-id', id, ...listen], labEnv());
      expect(again.code).toBe(0);
      expect(again.stdout.split('\n')[0]).toBe(`The lab is already running: API server https://${HOST}:${port}, nodes kind-control-plane, kind-worker, kind-worker2.`);
    }
    for (const other of ['127.0.0.3', `${HOST}:${port === 65535 ? 65534 : port + 1}`, 'localhost']) {
      expect(await kiada(['lab', 'up', '--lab-id', id, '--listen', other], labEnv())).toEqual({ code: 1, stdout: '',
        stderr: `error: the lab "${id}" is already running on https://${HOST}:${port}, not on ${other}: stop it first (\`kiada lab down\`) to serve it on another address\n` });
    }
    // Another lab cannot take the same address and port.
    const other = randomLabId('l');
    const otherHome = path.join(work, 'other-home');
    expect(await kiada(['lab', 'up', '--lab-id', other, '--listen', `${HOST}:${port}`], { KIADA_LAB_HOME: otherHome })).toEqual({ code: 1, stdout: '',
      stderr: `error: cannot listen on ${HOST}:${port}: the address is already in use (EADDRINUSE)\n` });
    expect([fs.existsSync(otherHome), fs.existsSync(registryDir(other)), netnsOf(other)]).toEqual([false, false, []]);
  });

  it('the admin, through 127.0.0.2: get, logs, exec -i and -t, attach, port-forward', async () => {
    await chapter(kubeconfig);
  });

  it('a workshop student, whose kubeconfig `workshop up` points at 127.0.0.2: the same', async () => {
    const name = `lst${id.slice(1)}`;
    const up = await kiada(['-q', 'workshop', 'up', '--names', name, '--expires', '1h', '-o', 'json'], { KUBECONFIG: kubeconfig }, work);
    expect(up.code).toBe(0);
    try {
      const student = path.join(work, 'kiada-workshop', `${name}.kubeconfig`);
      expect(JSON.parse(up.stdout).students).toEqual([{ name, namespace: name, kubeconfig: student }]);
      expect(fs.readFileSync(path.join(work, 'kiada-workshop', 'cards.txt'), 'utf8')).toContain(`https://${HOST}:${port}`);
      expect((await kubectl(student, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout).toBe(`system:serviceaccount:${name}:student`);
      await chapter(student);
    } finally {
      expect((await kiada(['-q', 'workshop', 'down'], { KUBECONFIG: kubeconfig }, work)).code).toBe(0);
    }
  });
});

describe.skipIf(skip)('kiada lab up --listen: what is refused leaves nothing behind', { timeout: 120_000 }, () => {
  it.each([
    ['300.1.1.1', 'error: invalid --listen "300.1.1.1": "300.1.1.1" is not a valid IPv4 address'],
    [':0', 'error: invalid --listen ":0": no address (ADDR or ADDR:PORT, e.g. 127.0.0.2:6443)'],
    ['127.0.0.2:99999', 'error: invalid --listen "127.0.0.2:99999": port "99999" is not a number from 1 to 65535'],
    ['0.0.0.0', 'error: invalid --listen "0.0.0.0": give the address clients connect to (it goes into the kubeconfigs and the certificate), not an unspecified one'],
    // TEST-NET-1 is never this machine's: the bind fails (EADDRNOTAVAIL), nothing is sent.
    ['192.0.2.1:6443', 'error: cannot listen on 192.0.2.1:6443: 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL)'],
    ['[2001:db8::5]', 'error: cannot listen on 2001:db8::5: 2001:db8::5 is not an address of this machine (EADDRNOTAVAIL)'],
  ])('--listen %s', async (listen, message) => {
    const id = randomLabId('l');
    const home = path.join(os.tmpdir(), `kiada-listen-none-${id}`);
    try {
      expect(await kiada(['lab', 'up', '--lab-id', id, '--listen', listen], { KIADA_LAB_HOME: home })).toEqual({ code: 1, stdout: '', stderr: `${message}\n` });
      // No state directory, no registry entry, no namespace, no process.
      expect([fs.existsSync(home), fs.existsSync(registryDir(id)), netnsOf(id), processesOf(id)]).toEqual([false, false, [], []]);
    } finally {
      await labDown({ id, home }).catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skip)('kiada lab up --listen localhost: a DNS name', { timeout: 120_000 }, () => {
  it('the kubeconfig names it, the certificate has it as a DNS SAN, kubectl verifies it and works', async () => {
    const id = randomLabId('l');
    const home = makeTestHome('kiada-listen-');
    try {
      const up = await kiada(['lab', 'up', '--lab-id', id, '--listen', 'localhost'], { KIADA_LAB_HOME: home });
      expect(up.code).toBe(0);
      const port = readOwner(id)!.port;
      expect(readOwner(id)).toMatchObject({ host: 'localhost' });
      expect(up.stdout.split('\n')[0]).toBe(`The lab is up: API server https://localhost:${port}, nodes kind-control-plane, kind-worker, kind-worker2.`);
      const config = path.join(home, 'kubeconfig');
      expect(YAML.parse(fs.readFileSync(config, 'utf8')).clusters[0].cluster.server).toBe(`https://localhost:${port}`);
      expect(await run('kubectl', ['--kubeconfig', config, '--cache-dir', path.join(home, 'kubectl-cache'), 'get', 'nodes', '-o', 'name'])).toEqual({ code: 0,
        stdout: 'node/kind-control-plane\nnode/kind-worker\nnode/kind-worker2\n', stderr: '' });
      const ca = Buffer.from(YAML.parse(fs.readFileSync(config, 'utf8')).clusters[0].cluster['certificate-authority-data'], 'base64');
      const cert = await new Promise<X509Certificate>((resolve, reject) => {
        const s = tls.connect({ host: 'localhost', servername: 'localhost', port, ca }, () => {
          resolve(s.getPeerX509Certificate()!);
          s.end();
        });
        s.once('error', reject);
      });
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, DNS:kubernetes'); // named once
      // Every address the name has (here 127.0.0.1, and ::1 where /etc/hosts gives it) is served.
      const addresses = (await import('node:dns/promises')).lookup('localhost', { all: true });
      for (const a of await addresses) expect(await connectError(a.address, port)).toBe('connected');
    } finally {
      await labDown({ id, home });
      fs.rmSync(home, { recursive: true, force: true });
    }
    expect(netnsOf(id)).toEqual([]);
  });
});

describe.skipIf(skip)('kiada lab up --listen [::1]:PORT: an IPv6 address', { timeout: 120_000 }, () => {
  it('the kubeconfig has it in brackets, the certificate as an IP SAN, kubectl verifies it and works', async () => {
    const id = randomLabId('l');
    const home = makeTestHome('kiada-listen-');
    const port = await freePort('::1');
    try {
      const up = await kiada(['lab', 'up', '--lab-id', id, '--listen', `[::1]:${port}`], { KIADA_LAB_HOME: home });
      expect(up.code).toBe(0);
      expect(up.stdout.split('\n')[0]).toBe(`The lab is up: API server https://[::1]:${port}, nodes kind-control-plane, kind-worker, kind-worker2.`);
      expect(await kiada(['lab', 'status', '--lab-id', id], { KIADA_LAB_HOME: home })).toMatchObject({ code: 0, stdout: expect.stringContaining(`, API https://[::1]:${port}, `) });
      const config = path.join(home, 'kubeconfig');
      expect(YAML.parse(fs.readFileSync(config, 'utf8')).clusters[0].cluster.server).toBe(`https://[::1]:${port}`);
      const ca = Buffer.from(YAML.parse(fs.readFileSync(config, 'utf8')).clusters[0].cluster['certificate-authority-data'], 'base64');
      const cert = await new Promise<X509Certificate>((resolve, reject) => {
        const s = tls.connect({ host: '::1', port, ca }, () => {
          resolve(s.getPeerX509Certificate()!);
          s.end();
        });
        s.once('error', reject);
      });
      expect(cert.checkIP('::1')).toBe('::1');
      expect(await run('kubectl', ['--kubeconfig', config, '--cache-dir', path.join(home, 'kubectl-cache'), 'get', 'nodes', '-o', 'name'])).toEqual({ code: 0,
        stdout: 'node/kind-control-plane\nnode/kind-worker\nnode/kind-worker2\n', stderr: '' });
      expect(await connectError('127.0.0.1', port)).toBe('ECONNREFUSED');
    } finally {
      await labDown({ id, home });
      fs.rmSync(home, { recursive: true, force: true });
    }
    expect(netnsOf(id)).toEqual([]);
  });
});
