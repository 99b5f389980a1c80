// Every command against a real lab, through the real bin, with exact output; errors and leaks included.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { parse } from 'yaml';
import { skipUnlessLab, useTestLab, waitFor, KIADA_POD } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();

/** The child's exit, bounded: a child that does not end in time is killed and the test says which and why. */
function exited(child: ChildProcess, what: string, timeoutMs = 20_000): Promise<[number | null, NodeJS.Signals | null]> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    // It may have ended already (before the signal meant for it): its 'exit' event is then gone.
    if (child.exitCode !== null || child.signalCode !== null) return resolve([child.exitCode, child.signalCode]);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: still running after ${timeoutMs} ms; its stderr: ${JSON.stringify(stderr)}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve([code, signal]);
    });
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip)('kiada commands on the lab', () => {
  const lab = useTestLab();
  let podIP = '';
  let node = '';
  const env = () => ({ ...process.env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' });
  const kiada = (args: string[], timeoutMs = 60_000): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), timeout: timeoutMs }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const noPodsBut = async (...names: string[]) => {
    const r = await lab.kubectl(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(r.stdout.split(' ').filter(Boolean).sort()).toEqual(names.sort());
  };

  beforeAll(async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD });
    const pod = await lab.waitReady('kiada');
    podIP = pod.status.podIP;
    node = pod.spec.nodeName;
  }, 90_000);

  it('pod-ip prints the IP and the command it stands for', async () => {
    const r = await kiada(['pod-ip']);
    expect(r).toEqual({ code: 0, stdout: `${podIP}\n`, stderr: '$ kubectl get pod kiada -o jsonpath={.status.podIP}\n' });
  });

  it('with no kubeconfig at all (after `npm start`), the lab is found by its registry, and the command still runs from fast.cjs', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-home-')); // no ~/.kube/config there
    const loads = path.join(home, 'loads.json');
    try {
      const { KUBECONFIG: _, ...noKubeconfig } = env();
      const hook = path.join(import.meta.dirname, 'fixtures', 'record-loads.mjs');
      const r = await new Promise<Run>((resolve) => {
        execFile(process.execPath, ['--import', hook, BIN, 'pod-ip', '-q'], { env: { ...noKubeconfig, HOME: home, XDG_CACHE_HOME: home, KIADA_LOADS: loads }, timeout: 20_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(r).toEqual({ code: 0, stdout: `${podIP}\n`, stderr: '' });
      // The bundle's fast.cjs ran it to its end (it leaves its code cache then), not the whole CLI (cli.js and its
      // chunks, which Node's loader would have listed; fast.cjs is a vm.Script).
      expect(fs.readdirSync(path.join(home, 'kiada'))).toEqual([expect.stringMatching(/^fast-\w+-[\d.]+-pod-ip\.cache$/)]);
      const urls: string[] = JSON.parse(fs.readFileSync(loads, 'utf8')).urls;
      expect(urls.filter((u) => u.includes('/tools/.cache/cli/'))).toEqual([]);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("through an HTTP proxy (the kubeconfig's proxy-url), as kubectl goes: pod-ip, logs and exec, each over the proxy's CONNECT", async () => {
    // A real forward proxy (the `proxy` package, as Squid would: CONNECT tunnels) on loopback; every command's
    // connection to the API server has to go through it (client-node's proxy agent; exec's WebSocket through ws).
    const { createProxy } = await import('proxy');
    const tunnels: string[] = [];
    const proxy = createProxy(http.createServer());
    proxy.on('connect', (req: http.IncomingMessage) => tunnels.push(req.url ?? ''));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-proxy-'));
    try {
      const kc = parse(fs.readFileSync(lab.kubeconfig, 'utf8'));
      const api = new URL(kc.clusters[0].cluster.server).host;
      kc.clusters[0].cluster['proxy-url'] = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const kubeconfig = path.join(dir, 'kubeconfig');
      fs.writeFileSync(kubeconfig, JSON.stringify(kc));
      expect(await kiada(['pod-ip', '-q', '--kubeconfig', kubeconfig])).toEqual({ code: 0, stdout: `${podIP}\n`, stderr: '' });
      expect(await kiada(['exec', '-q', '--kubeconfig', kubeconfig, '--', 'hostname'])).toEqual({ code: 0, stdout: 'kiada\n', stderr: '' });
      expect(await kiada(['exec', '-q', '--kubeconfig', kubeconfig, '--', 'sh', '-c', 'exit 3'])).toEqual({ code: 3, stdout: '', stderr: 'command terminated with exit code 3\n' });
      const logs = await kiada(['logs', '--tail', '1', '-q', '--kubeconfig', kubeconfig]);
      expect({ code: logs.code, lines: logs.stdout.split('\n').length, stderr: logs.stderr }).toEqual({ code: 0, lines: 2, stderr: '' });
      const byKiada = tunnels.length;
      // kubectl with the same kubeconfig, through the same proxy, reads the same.
      const k = await lab.kubectl(['--kubeconfig', kubeconfig, 'get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}']);
      expect(k.stdout).toBe(podIP);
      expect(byKiada).toBeGreaterThanOrEqual(4);
      expect(tunnels.length).toBeGreaterThan(byKiada);
      expect([...new Set(tunnels)]).toEqual([api]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works as a kubectl plugin: kubectl kiada pod-ip', async () => {
    // kubectl finds plugins as kubectl-<name> on the PATH, as krew installs them.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-plugin-'));
    try {
      fs.symlinkSync(BIN, path.join(dir, 'kubectl-kiada'));
      fs.symlinkSync(process.execPath, path.join(dir, 'node'));
      const r = await new Promise<Run>((resolve) => {
        execFile('kubectl', ['kiada', 'pod-ip'], { env: { ...env(), PATH: `${dir}:${process.env.PATH}` }, timeout: 20_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(r).toEqual({ code: 0, stdout: `${podIP}\n`, stderr: '$ kubectl get pod kiada -o jsonpath={.status.podIP}\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pod-ip -o wide matches the real kubectl get pod -o wide', async () => {
    const ours = await kiada(['pod-ip', '-o', 'wide', '-q']);
    const real = await lab.kubectl(['get', 'pod', 'kiada', '-o', 'wide']);
    const norm = (s: string) => s.replace(/\s+\d+s\s+/, ' AGE ');
    expect(norm(ours.stdout)).toBe(norm(real.stdout));
    expect(ours.stderr).toBe('');
  });

  it('pod-ip -o json gives the pod as kubectl get pod -o json does, with its IPs', async () => {
    const r = await kiada(['pod-ip', '-o', 'json', '-q']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status).toMatchObject({ podIP, podIPs: [{ ip: podIP }] });
    expect(JSON.parse(r.stdout).spec.nodeName).toBe(node);
  });

  it('lab status and node-shell speak for the running lab', async () => {
    const st = await kiada(['lab', 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(new RegExp(`^running: pid \\d+, API https://127\\.0\\.0\\.1:\\d+, kubeconfig ${lab.kubeconfig.replace(/[.]/g, '\\.')}\n$`));
    expect(JSON.parse((await kiada(['lab', 'status', '-o', 'json'])).stdout)).toMatchObject({ running: true, id: lab.id });
    expect(parse((await kiada(['lab', 'status', '-o', 'yaml'])).stdout)).toMatchObject({ running: true, id: lab.id });
    expect(await kiada(['lab', 'node-shell', node, '--', 'sh', '-c', 'hostname; exit 4'])).toEqual({ code: 4, stdout: `${node}\n`, stderr: '' });
    expect(await kiada(['lab', 'node-shell', 'nope', '--', 'true'])).toEqual({
      code: 1, stdout: '', stderr: 'error: node "nope" not found; nodes: kind-control-plane, kind-worker, kind-worker2\n',
    });
  });

  it('-n works as kubectl\'s: the commands act in that namespace and print it', async () => {
    await lab.kubectl(['create', 'namespace', 'workshop']);
    try {
      await lab.kubectl(['apply', '-n', 'workshop', '-f', '-'], { input: KIADA_POD });
      const ip = (await lab.waitReady('kiada', 'workshop')).status.podIP;
      expect(ip).not.toBe(podIP);
      expect(await kiada(['pod-ip', '-n', 'workshop'])).toEqual({ code: 0, stdout: `${ip}\n`, stderr: '$ kubectl -n workshop get pod kiada -o jsonpath={.status.podIP}\n' });
      const c = await kiada(['curl-from-pod', '-n', 'workshop', '-q']);
      expect(c.stdout).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: ::ffff:10\.244\.\d+\.\d+\npod "client-pod" deleted\n$/);
      expect(await kiada(['exec', '-n', 'workshop', '-q', '--', 'hostname'])).toEqual({ code: 0, stdout: 'kiada\n', stderr: '' });
      expect((await kiada(['logs', '-n', 'workshop', '-q', '--tail', '1'])).stdout).toMatch(/^Received request for \/ from ::ffff:10\.244\./);
      expect((await lab.kubectl(['get', 'pods', '-n', 'workshop', '-o', 'name'])).stdout).toBe('pod/kiada\n');
    } finally {
      await lab.kubectl(['delete', 'namespace', 'workshop'], { timeoutMs: 60_000 });
    }
    await noPodsBut('kiada');
  }, 60_000);

  it('ports lists the named port and says it is informative', async () => {
    const r = await kiada(['ports', '-q']);
    expect(r.stdout).toBe('kiada\thttp 8080/TCP\n');
    expect(r.stderr).toBe('Note: the ports in a pod spec are informative only; the app may listen on other ports, and these need not be open.\n');
    expect(JSON.parse((await kiada(['ports', '-q', '-o', 'json'])).stdout).spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    expect((await kiada(['ports', '-q', '-o', 'wide'])).stdout).toBe(r.stdout);
  });

  it('curl-from-node curls from the node, seen as the node bridge address', async () => {
    const r = await kiada(['curl-from-node', '--port', 'http']);
    const subnet = podIP.split('.').slice(0, 3).join('.');
    expect(r.stdout).toBe(`Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:${subnet}.1\n`);
    expect(r.stderr).toBe(`$ kiada lab node-shell ${node} -- curl -s --max-time 10 http://${podIP}:8080/\n`);
  });

  it('curl-from-node with the generic provider uses a hostNetwork pod and deletes it', async () => {
    const r = await kiada(['curl-from-node', '--provider', 'generic', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: ::ffff:/);
    await noPodsBut('kiada');
  });

  it('curl-from-pod runs a one-off client pod and deletes it, even on a name clash', async () => {
    const r = await kiada(['curl-from-pod']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`$ kubectl run --image=curlimages/curl -it --restart=Never --rm client-pod -- curl -s --max-time 10 ${podIP}:8080\n`);
    expect(r.stdout).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: ::ffff:10\.244\.\d\.\d+\npod "client-pod" deleted\n$/);
    await lab.kubectl(['run', 'client-pod', '--image=busybox', '--restart=Never', '--', 'sleep', '60']);
    const clash = await kiada(['curl-from-pod', '-q']);
    expect(clash.stdout).toMatch(/\npod "client-pod-[0-9a-f]{5}" deleted\n$/);
    await lab.kubectl(['delete', 'pod', 'client-pod', '--grace-period=0']);
    await noPodsBut('kiada');
  }, 60_000);

  // A pod that accepts connections and never answers: a curl to it waits, so a signal finds its client pod alive.
  const SILENT = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: silent\nspec:\n  containers:\n  - name: silent\n    image: kiada:0.1\n    readinessProbe: {tcpSocket: {port: 9000}, periodSeconds: 1}\n    command: ["node", "-e", "require('net').createServer(() => {}).listen(9000)"]\n`;
  const silent = async () => {
    if ((await lab.kubectl(['get', 'pod', 'silent'])).code === 0) return;
    await lab.kubectl(['apply', '-f', '-'], { input: SILENT });
    // Ready, not only Running: its port must be listening, or a client's curl ends at once, refused.
    await lab.waitReady('silent');
  };

  it('curl-from-pod deletes its pod on SIGINT, SIGTERM and SIGHUP', async () => {
    await silent();
    const exitCodes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      // Interrupted once its pod exists, while its curl waits for an answer that never comes.
      const child = spawn(process.execPath, [BIN, 'curl-from-pod', 'silent', '--port', '9000', '--name', 'sig-client', '-q'], { env: env() });
      await waitFor('client pod created', async () => (await lab.kubectl(['get', 'pod', 'sig-client'])).code === 0, 15_000);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.kill(signal);
      const [code] = await exited(child, `curl-from-pod + ${signal}`);
      expect(code).toBe(exitCodes[signal]);
      expect(out).toBe('pod "sig-client" deleted\n');
      await waitFor('client pod gone', async () => (await lab.kubectl(['get', 'pod', 'sig-client'])).code === 1, 15_000);
    }
    await lab.kubectl(['delete', 'pod', 'silent', '--grace-period=0']);
    await noPodsBut('kiada');
  }, 60_000);

  it('closing the terminal during curl-from-pod deletes its pod, as Ctrl-C does', async () => {
    await silent();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-hup-'));
    try {
      // A terminal of its own (util-linux `script`) in which kiada is the session leader, as in a terminal window.
      const pidFile = path.join(dir, 'pid');
      const cmd = `echo $$ > ${pidFile}; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} curl-from-pod silent --port 9000 --name hup-client`;
      const term = spawn('script', ['-qec', cmd, '/dev/null'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
      await waitFor('client pod created', async () => (await lab.kubectl(['get', 'pod', 'hup-client'])).code === 0, 15_000);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 600)); // its spinner is drawing on the terminal
      // The window closes: the terminal is gone, its session leader gets SIGHUP and can no longer write to it.
      term.kill('SIGKILL');
      await waitFor('kiada ended', async () => !fs.existsSync(`/proc/${pid}`), 20_000);
      expect((await lab.kubectl(['get', 'pod', 'hup-client'])).stderr).toBe('Error from server (NotFound): pods "hup-client" not found\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await lab.kubectl(['delete', 'pod', 'silent', '--grace-period=0']);
    await noPodsBut('kiada');
  }, 60_000);

  it('curl-from-pod and the generic curl-from-node leave no pod when signalled at any point', async () => {
    await silent();
    const runs: [string[], number, NodeJS.Signals][] = [];
    for (const [i, delay] of [0, 80, 160, 240, 320, 450, 600, 900].entries()) {
      const argv = i % 2 ? ['curl-from-node', 'silent', '--provider', 'generic', '--port', '9000', '-q'] : ['curl-from-pod', 'silent', '--port', '9000', '-q'];
      runs.push([argv, delay, i % 4 < 2 ? 'SIGINT' : 'SIGTERM']);
    }
    for (const [argv, delay, signal] of runs) {
      const child = spawn(process.execPath, [BIN, ...argv], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
      await new Promise((r) => setTimeout(r, delay));
      child.kill(signal);
      const [code, sig] = await exited(child, `${argv[0]} + ${signal} at ${delay} ms`);
      // Before its handler is installed the default action ends it; after, it cleans up and exits 130/143.
      expect([signal === 'SIGINT' ? 130 : 143, null]).toContain(code);
      if (code === null) expect(sig).toBe(signal);
      await waitFor(`no pod left after ${argv[0]} + ${signal} at ${delay} ms`, async () => {
        const names = (await lab.kubectl(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}'])).stdout.split(' ').filter(Boolean);
        return names.sort().join(',') === 'kiada,silent';
      }, 15_000);
    }
    await lab.kubectl(['delete', 'pod', 'silent', '--grace-period=0']);
  }, 120_000);

  it('port-forward prints kubectl lines and reaches the pod loopback', async () => {
    const child = spawn(process.execPath, [BIN, 'port-forward', 'kiada', ':8080', '-q'], { env: env() });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const port = await waitFor('Forwarding', async () => /Forwarding from \[::1\]:(\d+) -> 8080/.exec(out)?.[1], 15_000);
      expect(out).toBe(`Forwarding from 127.0.0.1:${port} -> 8080\nForwarding from [::1]:${port} -> 8080\n`);
      const bodies = await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())));
      expect(new Set(bodies)).toEqual(new Set(['Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n']));
      // Clients that reset their connections (a TCP RST, as from curl ^C or a load tool ending) end only those.
      await Promise.all(Array.from({ length: 10 }, () => new Promise<void>((resolve) => {
        const s = net.connect(Number(port), '127.0.0.1', () => {
          s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
          setTimeout(() => (s.resetAndDestroy(), resolve()), 20);
        });
      })));
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode).toBe(null);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
      child.kill('SIGINT');
      expect((await exited(child, 'port-forward + SIGINT'))[0]).toBe(0);
      // The listener is gone with the process.
      await expect(new Promise((resolve, reject) => net.connect(Number(port), '127.0.0.1').on('connect', resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('port-forward ends as kubectl does when the pod is deleted: its line, exit 1, the local ports closed', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD.replace('name: kiada\n', 'name: pf-gone\n') });
    await lab.waitReady('pf-gone');
    const child = spawn(process.execPath, [BIN, 'port-forward', 'pf-gone', ':8080', '-q'], { env: env() });
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      const port = Number(await waitFor('Forwarding', async () => /Forwarding from \[::1\]:(\d+) -> 8080/.exec(out)?.[1], 15_000));
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Kiada version 0.1. Request processed by "pf-gone". Client IP: ::ffff:127.0.0.1\n');
      const deleted = lab.kubectl(['delete', 'pod', 'pf-gone', '--grace-period=1']);
      expect((await exited(child, 'port-forward after its pod was deleted'))[0]).toBe(1);
      expect(err).toBe('error: lost connection to pod\n');
      expect(out).toBe(`Forwarding from 127.0.0.1:${port} -> 8080\nForwarding from [::1]:${port} -> 8080\nHandling connection for ${port}\n`);
      for (const host of ['127.0.0.1', '::1']) {
        await expect(new Promise((resolve, reject) => net.connect(port, host).on('connect', resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      }
      expect((await deleted).code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    await noPodsBut('kiada');
  }, 40_000);

  /** `kiada port-forward ARGS --address 127.0.0.1`: its printed command, its port, and one request through it. */
  async function forwardOnce(args: string[], printed: string, check: (port: string, out: string) => Promise<void> = async () => {}) {
    const child = spawn(process.execPath, [BIN, 'port-forward', ...args, '--address', '127.0.0.1'], { env: env() });
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      const port = await waitFor('Forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n/.exec(out)?.[1], 15_000);
      expect(err).toBe(`$ ${printed}\n`);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
      await check(port, out);
      child.kill('SIGINT');
      expect((await exited(child, `port-forward ${args.join(' ')} + SIGINT`))[0]).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('port-forward --address listens only there, and takes a port name', async () => {
    await forwardOnce(['kiada', ':http'], 'kubectl port-forward kiada :http --address 127.0.0.1', async (port, out) => {
      expect(out).toBe(`Forwarding from 127.0.0.1:${port} -> 8080\nHandling connection for ${port}\n`);
      await expect(new Promise((resolve, reject) => net.connect(Number(port), '::1').on('connect', resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  }, 30_000);

  it('port-forward without a pod name forwards to kiada (the first word is a port)', async () => {
    await forwardOnce(['0:8080'], 'kubectl port-forward kiada 0:8080 --address 127.0.0.1');
  }, 30_000);

  it('port-forward says so when the local port is taken', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await kiada(['port-forward', 'kiada', `${port}:8080`, '-q']);
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Unable to listen on port ${port}: address 127.0.0.1:${port} already in use\n`);
  });

  it('logs shows the app log, --tail the last lines; --tail 0 nothing; a bad --tail is refused', async () => {
    await kiada(['curl-from-node', '-q', '--path', '/tailed']);
    const r = await kiada(['logs', '--tail', '1']);
    expect(r.stderr).toBe('$ kubectl logs kiada --tail 1\n');
    expect(r.stdout).toMatch(/^Received request for \/tailed from ::ffff:10\.244\.\d\.1\n$/);
    expect(await kiada(['logs', '--tail', '0', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await kiada(['logs', '-q'])).stdout.split('\n').slice(0, 2)).toEqual(['Kiada - Kubernetes in Action Demo Application', '---------------------------------------------']);
    expect(await kiada(['logs', '--tail', 'x', '-q'])).toEqual({ code: 1, stdout: '', stderr: 'error: invalid argument "x" for "--tail" flag: must be an integer (-1 for all lines)\n' });
  });

  it('logs -f streams new lines as requests come in', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', '-f', '--tail', '0'], { env: env() });
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      await waitFor('the command line', async () => err === '$ kubectl logs kiada -f --tail 0\n', 15_000);
      // The follow request is open once the command is printed; a curl from the node must show up in it.
      await waitFor('a new log line', async () => {
        await kiada(['curl-from-node', '-q', '--path', '/followed']);
        // --tail 0: only what came after the start, none of the app's earlier lines.
        if (/^(Received request for \/followed from ::ffff:10\.244\.\d\.1\n)+$/.test(out)) return true;
        throw new Error(`logs -f printed ${JSON.stringify(out)}`);
      }, 15_000);
    } finally {
      child.kill('SIGINT');
      await exited(child, 'logs -f + SIGINT');
    }
  }, 30_000);

  it('exec runs in the pod and passes the exit code on', async () => {
    const r = await kiada(['exec', 'kiada', '-q', '--', 'sh', '-c', 'hostname; exit 3']);
    expect(r).toEqual({ code: 3, stdout: 'kiada\n', stderr: 'command terminated with exit code 3\n' });
  });

  it('exec without a pod name runs in kiada; -i passes stdin to its end; output after stdin ends still arrives', async () => {
    expect(await kiada(['exec', '-q', '--', 'hostname'])).toEqual({ code: 0, stdout: 'kiada\n', stderr: '' });
    expect(await kiada(['exec', '-c', 'kiada', '-q', '--', 'hostname'])).toEqual({ code: 0, stdout: 'kiada\n', stderr: '' });
    const input = 'x'.repeat(300_000);
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [BIN, 'exec', '-i', '-q', '--', 'sh', '-c', 'wc -c; sleep 0.2; echo done; exit 4'], { env: env() }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      child.stdin!.end(input);
    });
    expect(r).toEqual({ code: 4, stdout: '300000\ndone\n', stderr: 'command terminated with exit code 4\n' });
  });

  it('exec: Ctrl-C ends the command in the pod too (no process left behind)', async () => {
    const mark = `31.${Date.now() % 100000}`; // a sleep nobody else runs
    const running = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).some((p) => {
      try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${mark}\0`; } catch { return false; }
    });
    for (const args of [['exec', '-q', '--', 'sleep', mark], ['exec', '-it', '-q', '--', 'sleep', mark]]) {
      const child = spawn(process.execPath, [BIN, ...args], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
      await waitFor(`sleep ${mark} running (${args.join(' ')})`, async () => running(), 10_000);
      child.kill('SIGINT');
      await exited(child, `${args.join(' ')} + SIGINT`);
      await waitFor(`sleep ${mark} gone (${args.join(' ')})`, async () => !running(), 10_000);
    }
  }, 40_000);

  it('exec -it gives the command a terminal of the size of ours (client-node sends it as {"width","height"})', async () => {
    // A terminal of its own (util-linux `script`), whose stdin stays open for the session (as a user's would).
    // After it, whether our terminal's output processing is on again (opost, or -opost).
    const after = `echo exit=$?; stty -a | tr ' ' '\\n' | grep -x -e opost -e -opost`;
    const child = spawn('script', ['-qec', `stty cols 91 rows 27; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} exec -it -q -- sh -c 'tty; stty size; exit 5'; ${after}`, '/dev/null'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    const [code] = await exited(child, 'exec -it', 30_000);
    child.stdin!.end();
    expect(code).toBe(0);
    // The pod's terminal's bytes as they came (\r\n), as through kubectl: our terminal in raw mode adds no \r; then our
    // terminal as it was before, output processing on again.
    expect(out).toMatch(/\/dev\/pts\/\d+\r\n27 91\r\ncommand terminated with exit code 5\r\nexit=5\r\nopost\r\n$/);
  }, 40_000);

  it('bad input: unknown pod, hostile name, unknown port name — one line, exit 1', async () => {
    expect(await kiada(['pod-ip', 'nope', '-q'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    expect(await kiada(['curl-from-pod', 'x;touch /tmp/pwned'])).toEqual({
      code: 1, stdout: '', stderr: 'error: invalid pod name "x;touch /tmp/pwned": must be a lowercase RFC 1123 subdomain (a-z, 0-9, \'-\', \'.\'; at most 253 characters)\n',
    });
    expect(await kiada(['curl-from-node', '--port', 'nope', '-q'])).toEqual({ code: 1, stdout: '', stderr: "error: Pod 'kiada' does not have a named port 'nope'\n" });
  });

  it('a pod that is not running: exec and port-forward say so; curl gets a refusal, as kubectl run would', async () => {
    await lab.kubectl(['run', 'stuck', '--image=registry.example/nope:1']);
    await waitFor('stuck pending', async () => (await lab.kubectl(['get', 'pod', 'stuck', '-o', 'jsonpath={.status.phase}'])).stdout === 'Pending');
    expect(await kiada(['exec', 'stuck', '-q', '--', 'true'])).toEqual({ code: 1, stdout: '', stderr: 'error: pod stuck is not running (phase Pending)\n' });
    expect(await kiada(['port-forward', 'stuck', '8080', '-q'])).toEqual({ code: 1, stdout: '', stderr: 'error: pod stuck is not running (phase Pending)\n' });
    // Its sandbox (and IP) exists while the image cannot be pulled, as on a kubelet: curl is refused (exit 7),
    // and that exit code is ours, as it is `kubectl run --rm`'s.
    const refused = await kiada(['curl-from-pod', 'stuck', '-q']);
    expect(refused).toEqual({ code: 7, stdout: 'pod "client-pod" deleted\n', stderr: '' });
    await lab.kubectl(['delete', 'pod', 'stuck']);
  }, 30_000);

  it('curl-from-pod with an image that cannot be pulled says so and leaves no pod', async () => {
    const r = await kiada(['curl-from-pod', '--image', 'registry.example/nope:1', '-q']);
    expect(r).toEqual({ code: 1, stdout: 'pod "client-pod" deleted\n', stderr: 'error: pod client-pod cannot start: ErrImagePull (image registry.example/nope:1)\n' });
    await waitFor('client pod gone', async () => (await lab.kubectl(['get', 'pod', 'client-pod'])).code === 1, 15_000);
  }, 30_000);

  it('the generic curl-from-node runs the pod it prints, and deletes it on SIGINT too', async () => {
    await silent();
    const child = spawn(process.execPath, [BIN, 'curl-from-node', 'silent', '--provider', 'generic', '--port', '9000'], { env: env() });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await waitFor('node pod created', async () => (await lab.kubectl(['get', 'pods', '-o', 'name'])).stdout.includes('pod/kiada-node-curl'), 15_000);
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'kiada-node-curl', '-o', 'json'])).stdout);
    const url = `http://${(await lab.waitReady('silent')).status.podIP}:9000/`;
    const overrides = JSON.stringify({ spec: { nodeName: pod.spec.nodeName, hostNetwork: true } });
    // The printed command, and the pod it stands for: the same image, node, host network and curl words.
    expect(err).toBe(`$ kubectl run kiada-node-curl --rm -i --restart=Never --image=curlimages/curl '--overrides=${overrides}' -- curl -s --max-time 10 ${url}\n`);
    expect([pod.spec.containers[0].image, pod.spec.hostNetwork, pod.spec.containers[0].args]).toEqual(['curlimages/curl', true, ['curl', '-s', '--max-time', '10', url]]);
    child.kill('SIGINT');
    expect((await exited(child, 'generic curl-from-node + SIGINT'))[0]).toBe(130);
    await waitFor('node pod gone', async () => !(await lab.kubectl(['get', 'pods', '-o', 'name'])).stdout.includes('kiada-node-curl'), 15_000);
    await lab.kubectl(['delete', 'pod', 'silent', '--grace-period=0']);
    await noPodsBut('kiada');
  }, 30_000);

  it('tour walks the seven steps on the current cluster', async () => {
    const r = await kiada(['tour']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^── Step \d of 7: .*$/gm)!.map((l) => l.slice(0, 16))).toEqual(Array.from({ length: 7 }, (_, i) => `── Step ${i + 1} of 7: `));
    expect(r.stdout).toContain(`Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n`);
    expect(r.stdout.split('\n')[1]).toBe('To watch each request travel hop by hop, run `kiada view` in another terminal: it prints the page to open.');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('That is every way of chapter 5 to talk to the pod. `kiada --help` lists the commands.');
    await noPodsBut('kiada');
  }, 60_000);

  it('tour --step waits for Enter before each step on a terminal (a teacher\'s pace)', async () => {
    // A terminal of its own (util-linux `script`); Enter is pressed each time the prompt shows.
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} tour --step -q`, '/dev/null'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let pressed = 0;
    child.stdout!.on('data', (c) => {
      out += c;
      const prompts = out.split('(press Enter to run it) ').length - 1;
      // Before pressing, the step's own output must not have run: the prompt is the last thing shown.
      while (pressed < prompts) {
        pressed++;
        child.stdin!.write('\r');
      }
    });
    const [code] = await exited(child, 'tour --step', 60_000);
    expect(code).toBe(0);
    expect(pressed).toBe(7);
    // readline moves the cursor around its prompt: without those codes and the terminal's \r, the plain text.
    const text = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
    // Each step: its heading, then the prompt, then what it runs.
    expect(text.match(/── Step \d of 7: .*\n\(press Enter to run it\) \n/g)).toHaveLength(7);
    expect(text).toContain('(press Enter to run it) \nKiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.');
    expect(text).toContain('That is every way of chapter 5 to talk to the pod.');
    await noPodsBut('kiada');
  }, 90_000);

  // The chapter's "bound to eth0 only" case: reachable on the pod IP, refused on the pod's loopback.
  const ETH0_ONLY = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: eth0-only\nspec:\n  containers:\n  - name: app\n    image: kiada:0.1\n    ports: [{containerPort: 8080}]\n    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}\n    command: ["node", "-e", "const ip = require('os').networkInterfaces().eth0[0].address; require('http').createServer((q, s) => s.end('hello from ' + ip + '\\\\n')).listen(8080, ip)"]\n`;

  it('diagnose names port-forward as the first failing hop for an app bound to eth0 only; port-forward says why', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: ETH0_ONLY });
    await lab.waitReady('eth0-only');
    try {
      const r = await kiada(['diagnose', 'eth0-only', '-q']);
      expect(r.code).toBe(1);
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 3).map((l) => l.split(':')[0])).toEqual(['✔ 1. pod is running and ready', '✔ 2. from its node', '✔ 3. from another pod']);
      // The routes are traced requests (kiada trace): the failure is named by its hop, as trace names it.
      expect(lines[1]).toBe('✔ 2. from its node: the app answered');
      expect(lines[3]).toMatch(/^✘ 4\. through port-forward: pod loopback: error forwarding port 8080 to pod .*IPv4: dial tcp4 127\.0\.0\.1:8080: connect: connection refused.*: port-forward connects to the pod's loopback; is the app bound to eth0 only\?$/);
      expect(lines.slice(4)).toEqual(['The first failing hop is "pod loopback" (through port-forward).', '']);
      expect(r.stderr).toBe('');
      await noPodsBut('kiada', 'eth0-only');
    } finally {
      await lab.kubectl(['delete', 'pod', 'eth0-only', '--grace-period=0']);
    }
  }, 60_000);

  it('diagnose stops at the first hop for a pod that is not running', async () => {
    await lab.kubectl(['run', 'stuck2', '--image=registry.example/nope:1']);
    try {
      // Once the pull has failed: kiada starts faster than the lab tries the pull.
      const reason = ['get', 'pod', 'stuck2', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'];
      await waitFor('stuck2 failing to pull', async () => /ErrImagePull|ImagePullBackOff/.test((await lab.kubectl(reason)).stdout));
      const r = await kiada(['diagnose', 'stuck2', '-q']);
      expect(r).toEqual({ code: 1, stdout: expect.stringMatching(/^✘ 1\. pod is running and ready: container stuck2 is waiting: (ErrImagePull|ImagePullBackOff) \(.*\)\nThe first failing hop is "pod is running and ready"\.\n$/), stderr: '' });
    } finally {
      await lab.kubectl(['delete', 'pod', 'stuck2', '--grace-period=0']);
    }
  }, 30_000);

  it('diagnose walks every route and finds them all working', async () => {
    const r = await kiada(['diagnose', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.split(':')[0])).toEqual([
      '✔ 1. pod is running and ready', '✔ 2. from its node', '✔ 3. from another pod', '✔ 4. through port-forward', 'Every route reaches the pod.', '',
    ]);
    expect(r.stdout.split('\n').slice(1, 4).map((l) => l.replace(/^.*?: /, ''))).toEqual([
      expect.stringMatching(/^the app answered, client IP ::ffff:10\.244\.\d\.1$/),
      expect.stringMatching(/^the app answered, client IP ::ffff:10\.244\.\d\.\d+$/),
      'the app answered, client IP ::ffff:127.0.0.1',
    ]);
    await noPodsBut('kiada');
  }, 60_000);
});
