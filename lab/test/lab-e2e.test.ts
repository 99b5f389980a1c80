// The chapter on a real lab, through the real kubectl: the acceptance test of the lab (issues 4 and 5).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { skipUnlessLab, useTestLab, waitFor, KIADA_POD } from '../src/testing.ts';
import { nodeShellSpawn } from '../src/control.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { daemonCompileCache } from '../src/registry.ts';
import { invokingUser } from '../src/invoker.ts';
import fs from 'node:fs';
import path from 'node:path';

const skip = skipUnlessLab();
// The book's file, as a reader applies it.
const MANIFEST = path.join(REPO_ROOT, 'k8s', 'pod.kiada.yaml');

describe.skipIf(skip)('the lab, driven by the real kubectl', () => {
  const lab = useTestLab();
  let podIP = '';
  let nodeName = '';

  it('has three Ready nodes shaped like kind', async () => {
    const r = await lab.kubectl(['get', 'nodes']);
    expect(r.stderr).toBe('');
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(rows.slice(1).map((c) => [c[0], c[1], c[2], c[4]])).toEqual([
      ['kind-control-plane', 'Ready', 'control-plane', 'v1.32.0'],
      ['kind-worker', 'Ready', '<none>', 'v1.32.0'],
      ['kind-worker2', 'Ready', '<none>', 'v1.32.0'],
    ]);
  });

  it('has the images\' files before any pod, as kind\'s nodes have their images: kiada\'s dependencies, in a layer named by their content', async () => {
    expect((await lab.kubectl(['get', 'pods', '-A'])).stderr).toBe('No resources found\n');
    // Made as the lab started, or by an earlier lab of the same user, in the daemon's cache directory (root's alone).
    const layers = path.join(daemonCompileCache()!, 'kiada-layers', String(invokingUser().uid));
    const layer = await waitFor('the npm layer of kiada', async () => fs.readdirSync(layers).find((f) => /^npm-apps-kiada-[0-9a-f]{16}$/.test(f)), 10_000);
    expect(fs.readdirSync(path.join(layers, layer, 'node_modules'))).toContain('express');
    expect(fs.statSync(layers).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(layers)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(path.dirname(layers))).mode & 0o777).toBe(0o700);
  }, 15_000);

  it('answers NotFound exactly like a real API server', async () => {
    const r = await lab.kubectl(['get', 'pod', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
  });

  it('creates the kiada pod with apply -f k8s/pod.kiada.yaml and runs it on a worker with a 10.244 IP', async () => {
    const r = await lab.kubectl(['apply', '-f', MANIFEST]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pod/kiada created\n');
    const pod = await lab.waitReady('kiada');
    podIP = pod.status.podIP;
    nodeName = pod.spec.nodeName;
    expect(podIP).toMatch(/^10\.244\.[12]\.\d+$/);
    expect(['kind-worker', 'kind-worker2']).toContain(nodeName);
    const wide = await lab.kubectl(['get', 'pod', 'kiada', '-o', 'wide']);
    const [head, row] = wide.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(head).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect([row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[8]]).toEqual(['kiada', '1/1', 'Running', '0', podIP, nodeName, '<none>', '<none>']);
    expect((await lab.kubectl(['apply', '-f', MANIFEST])).stdout).toBe('pod/kiada unchanged\n');
    // describe: the events in the order they happened, as on kind; no probe failed while the app started.
    const d = (await lab.kubectl(['describe', 'pod', 'kiada'])).stdout;
    const events = d.slice(d.indexOf('\nEvents:')).split('\n').slice(4).filter(Boolean).map((l) => l.trim().split(/\s{2,}/));
    expect(events.map((e) => [e[0], e[1], e[3], e[4]])).toEqual([
      ['Normal', 'Scheduled', 'default-scheduler', `Successfully assigned default/kiada to ${nodeName}`],
      ['Normal', 'Pulled', 'kubelet', 'Container image "kiada:0.1" already present on machine'],
      ['Normal', 'Created', 'kubelet', 'Created container kiada'],
      ['Normal', 'Started', 'kubelet', 'Started container kiada'],
    ]);
  }, 60_000);

  it('curl from the node reaches the pod, from the node bridge address', async () => {
    const subnet = podIP.split('.').slice(0, 3).join('.');
    const child = nodeShellSpawn({ id: lab.id, node: nodeName, argv: ['curl', '-s', '--max-time', '5', `http://${podIP}:8080`], stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    await new Promise((r) => child.once('exit', r));
    expect(out).toBe(`Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:${subnet}.1\n`);
  });

  it('kubectl logs shows the book banner and the request', async () => {
    const r = await lab.kubectl(['logs', 'kiada']);
    const subnet = podIP.split('.').slice(0, 3).join('.');
    expect(r.stdout).toBe(
      'Kiada - Kubernetes in Action Demo Application\n' +
        '---------------------------------------------\n' +
        'Kiada 0.1 starting...\n' +
        'Local hostname is kiada\n' +
        'Listening on port 8080\n' +
        `Received request for / from ::ffff:${subnet}.1\n`,
    );
  });

  it('kubectl exec runs in the pod: its hostname, its loopback, exit codes', async () => {
    const r = await lab.kubectl(['exec', 'kiada', '--', 'curl', '-s', 'localhost:8080']);
    // curl's "localhost" is 127.0.0.1 or ::1 depending on the machine's /etc/hosts; both are the pod loopback.
    expect(['Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n', 'Kiada version 0.1. Request processed by "kiada". Client IP: ::1\n']).toContain(r.stdout);
    const fail = await lab.kubectl(['exec', 'kiada', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(fail.code).toBe(3);
    expect(fail.stdout).toBe('out\n');
    expect(fail.stderr).toBe('err\ncommand terminated with exit code 3\n');
    const piped = await lab.kubectl(['exec', '-i', 'kiada', '--', 'cat'], { input: 'hello\n' });
    expect(piped.stdout).toBe('hello\n');
  });

  it('kubectl exec of a command the container does not have fails as on kind: runc\'s words, exit 1 (WebSocket and SPDY)', async () => {
    // containerd 2 + runc 1.2 through the kubelet's InternalError; kubectl prints it as `error: …` and exits 1.
    const cri = (why: string) => new RegExp(`^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: ${why}: unknown\\n$`);
    for (const env of [undefined, { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }]) {
      const missing = await lab.kubectl(['exec', 'kiada', '--', 'nosuchcmd'], { env });
      expect([missing.code, missing.stdout]).toEqual([1, '']);
      expect(missing.stderr).toMatch(cri('exec: "nosuchcmd": executable file not found in \\$PATH'));
      const path = await lab.kubectl(['exec', 'kiada', '--', '/nope', 'x'], { env });
      expect([path.code, path.stderr]).toEqual([1, expect.stringMatching(cri('exec: "/nope": stat /nope: no such file or directory'))]);
      // runc 1.2 is built with Go >= 1.20, whose LookPath says EISDIR for a directory (moby/moby#45006).
      const notExecutable = await lab.kubectl(['exec', 'kiada', '--', '/etc'], { env });
      expect([notExecutable.code, notExecutable.stderr]).toEqual([1, expect.stringMatching(cri('exec: "/etc": is a directory'))]);
    }
    // A command that runs and exits 127 itself is still its own exit code.
    const own = await lab.kubectl(['exec', 'kiada', '--', 'sh', '-c', 'exit 127']);
    expect([own.code, own.stderr]).toEqual([127, 'command terminated with exit code 127\n']);
  });

  it('kubectl port-forward reaches the pod loopback', async () => {
    const pf = lab.spawnKubectl(['port-forward', 'kiada', ':8080']);
    try {
      let out = '';
      pf.stdout!.on('data', (c) => (out += c));
      const port = await waitFor('Forwarding line', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1], 15_000);
      expect(out).toMatch(new RegExp(`^Forwarding from 127\\.0\\.0\\.1:${port} -> 8080\\nForwarding from \\[::1\\]:${port} -> 8080\\n`));
      const body = execFileSync('curl', ['-s', '--max-time', '5', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
      expect(body).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
    } finally {
      pf.kill('SIGINT');
    }
  });

  it('kubectl port-forward pod/NAME with a named port and two ports at once, and it ends when the pod goes away', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD.replace('name: kiada\n', 'name: kiada2\n') });
    // Ready, not just listening: kubectl port-forward refuses a pod the kubelet has not yet reported running.
    await lab.waitReady('kiada2');
    const pf = lab.spawnKubectl(['port-forward', 'pod/kiada2', '0:http', ':8080']);
    let out = '';
    let err = '';
    pf.stdout!.on('data', (c) => (out += c));
    pf.stderr!.on('data', (c) => (err += c));
    const ports = await waitFor('two forwards', async () => {
      const m = [...out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/g)].map((x) => x[1]);
      return m.length === 2 && m;
    }, 15_000);
    for (const port of ports) {
      expect(execFileSync('curl', ['-s', '--max-time', '5', `http://127.0.0.1:${port}/`], { encoding: 'utf8' })).toBe('Kiada version 0.1. Request processed by "kiada2". Client IP: ::ffff:127.0.0.1\n');
    }
    const exited = new Promise<number | null>((r) => pf.once('exit', (c) => r(c)));
    await lab.kubectl(['delete', 'pod', 'kiada2', '--grace-period=1']);
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(1);
    expect(err).toContain('lost connection to pod');
  }, 40_000);

  it('kubectl run --rm runs a one-off client pod and deletes it', async () => {
    const r = await lab.kubectl(['run', '--image=curlimages/curl', '-i', '--restart=Never', '--rm', 'client-pod', '--', 'curl', '-s', `${podIP}:8080`], { timeoutMs: 60_000 });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: ::ffff:10\.244\.[12]\.\d+$/);
    expect(lines[0].endsWith(`::ffff:${podIP}`)).toBe(false);
    expect(r.stdout).toContain('pod "client-pod" deleted\n');
    expect(r.code).toBe(0);
    const gone = await lab.kubectl(['get', 'pod', 'client-pod']);
    expect(gone.stderr).toBe('Error from server (NotFound): pods "client-pod" not found\n');
  }, 90_000);

  it('kubectl exec -it gives a terminal of the size kubectl asks for, and passes the exit code', async () => {
    // kubectl needs a terminal of its own for -t: util-linux `script` gives it one, sized 100x30.
    const r = await lab.kubectlInTerminal(100, 30, "exec -it kiada -- sh -c 'tty; stty size; exit 5'");
    expect(r.code).toBe(5);
    expect(r.out).toMatch(/\/dev\/pts\/\d+\r\n30 100\r\n/);
    expect(r.out).toContain('command terminated with exit code 5');
  }, 30_000);

  it('kubectl attach streams the running container output', async () => {
    const child = lab.spawnKubectl(['attach', 'kiada']);
    try {
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      // Requests until one shows up: attach only sees output produced after it is connected.
      await waitFor('attached output', async () => {
        const curl = nodeShellSpawn({ id: lab.id, node: nodeName, argv: ['curl', '-s', `http://${podIP}:8080/attached`], stdio: 'ignore' });
        await new Promise((r) => curl.once('exit', r));
        return out.includes('Received request for /attached from ');
      }, 10_000);
    } finally {
      child.kill('SIGINT');
    }
  }, 20_000);

  it('kubectl run without -it, and with --command', async () => {
    const r = await lab.kubectl(['run', 'plain', '--image=busybox', '--restart=Never', '--command', '--', 'sh', '-c', 'echo hello from $HOSTNAME']);
    expect(r.stdout).toBe('pod/plain created\n');
    await waitFor('plain done', async () => (await lab.kubectl(['get', 'pod', 'plain', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded');
    expect((await lab.kubectl(['logs', 'plain'])).stdout).toBe('hello from plain\n');
    const row = (await lab.kubectl(['get', 'pod', 'plain', '--no-headers'])).stdout.split(/\s+/);
    expect(row.slice(0, 3)).toEqual(['plain', '0/1', 'Completed']);
    await lab.kubectl(['delete', 'pod', 'plain']);
  }, 30_000);

  it('deletes the pod gracefully', async () => {
    const r = await lab.kubectl(['delete', 'pod', 'kiada'], { timeoutMs: 60_000 });
    expect(r.stdout).toBe('pod "kiada" deleted\n');
    expect((await lab.kubectl(['get', 'pods'])).stderr).toBe('No resources found in default namespace.\n');
  }, 60_000);
});
