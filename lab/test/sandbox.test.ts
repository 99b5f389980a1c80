// A pod is a sandbox, seen through the real kubectl on a real lab: its own PID namespace (the app is PID 1), a root
// filesystem shaped like its image and nothing of the host's, its users mapped onto host ids no account has,
// securityContext honoured (runAsUser/Group, runAsNonRoot as the kubelet checks it, readOnlyRootFilesystem,
// allowPrivilegeEscalation, capabilities), kubectl cp both ways, and nothing left once the pod is deleted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { skipUnlessLab, useTestLab, waitFor } from '../src/testing.ts';
import { readOwner } from '../src/registry.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { UID_BASE, ID_COUNT } from '../src/net/index.ts';

const skip = skipUnlessLab();

const pod = (name: string, spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const BUSYBOX = (name: string, extra = '') =>
  pod(name, `  terminationGracePeriodSeconds: 1\n  containers:\n  - name: ${name}\n    image: busybox:1.36\n    args: [sleep, "3600"]\n${extra}`);

describe.skipIf(skip)('a pod is a sandbox', () => {
  const lab = useTestLab();
  const marker = `/kiada-host-marker-${randomBytes(4).toString('hex')}`;
  const secret = path.join(os.tmpdir(), `kiada-root-only-${randomBytes(4).toString('hex')}`);
  const exec = (podName: string, ...argv: string[]) => lab.kubectl(['exec', podName, '--', ...argv]);
  const podJson = async (name: string) => JSON.parse((await lab.kubectl(['get', 'pod', name, '-o', 'json'])).stdout);
  /** The host processes of the pod (those in its network namespace), with their command lines. */
  const hostProcesses = (netns: string) =>
    execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
      .map((pid) => ({ pid, cmdline: (() => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '); } catch { return ''; } })() }));
  /** The lab's namespace holding the pod's IP. */
  const netnsOf = (ip: string) =>
    execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0])
      .filter((n) => n.startsWith(`kiada-${lab.id}-p`))
      .find((n) => execFileSync('ip', ['-n', n, '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).includes(`inet ${ip}/`))!;

  beforeAll(async () => {
    fs.writeFileSync(marker, 'the host\n');
    fs.writeFileSync(secret, 'root only\n', { mode: 0o600 });
    const apply = await lab.kubectl(['apply', '-f', path.join(REPO_ROOT, 'k8s', 'pod.kiada.yaml')]);
    expect(apply.stdout).toBe('pod/kiada created\n');
    await lab.kubectl(['apply', '-f', '-'], { input: BUSYBOX('bb') });
    await lab.waitReady('kiada');
    await lab.waitReady('bb');
  }, 90_000);
  afterAll(async () => {
    fs.rmSync(marker, { force: true });
    fs.rmSync(secret, { force: true });
  }, 60_000);

  it('kubectl exec kiada -- ps aux: the app is PID 1, and only the pod\'s processes are there', async () => {
    const r = await exec('kiada', 'ps', 'aux');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^USER\s+PID\s+%CPU\s+%MEM\s+VSZ\s+RSS\s+TTY\s+STAT\s+START\s+TIME\s+COMMAND$/);
    expect(lines[1]).toMatch(/^node\s+1\s.*\snode dist\/main\.ts$/);
    expect(lines[2]).toMatch(/^node\s+\d+\s.*\sps aux$/);
  });

  it('runs as the manifest\'s user 1000 (the image\'s node), in the WORKDIR /app that holds the image\'s files', async () => {
    expect((await exec('kiada', 'id', '-u')).stdout).toBe('1000\n');
    expect((await exec('kiada', 'id')).stdout).toBe('uid=1000(node) gid=1000(node) groups=1000(node)\n');
    expect((await exec('kiada', 'sh', '-c', 'pwd; ls')).stdout).toBe('/app\ndist\nnode_modules\npackage.json\npublic\n');
    expect((await exec('kiada', 'sh', '-c', 'command -v node; node --version')).stdout).toBe(`/usr/local/bin/node\n${process.version}\n`);
    expect((await exec('kiada', 'sh', '-c', 'echo $HOME $HOSTNAME $NODE_ENV')).stdout).toBe('/home/node kiada production\n');
    // The dependencies the Dockerfile ships, not the repository's node_modules.
    const modules = (await exec('kiada', 'ls', '/app/node_modules')).stdout.split('\n');
    expect(modules).toContain('express');
    expect(modules).not.toContain('vitest');
  });

  it('ls / is an image-like root: nothing of the host\'s (not even a file the test put in the host\'s /)', async () => {
    const expected = ['app', 'bin', 'dev', 'etc', 'home', ...['lib', 'lib32', 'lib64', 'libx32'].filter((l) => fs.existsSync(`/${l}`)), 'media', 'mnt', 'opt', 'proc', 'root', 'run', 'sbin', 'srv', 'sys', 'tmp', 'usr', 'var'];
    expect((await exec('kiada', 'ls', '/')).stdout).toBe(`${expected.sort().join('\n')}\n`);
    expect((await exec('bb', 'cat', marker)).stderr).toBe(`cat: ${marker}: No such file or directory\ncommand terminated with exit code 1\n`);
    expect((await exec('bb', 'ls', '/home', '/run', '/tmp', '/usr/local')).stdout).toBe('/home:\n\n/run:\n\n/tmp:\n\n/usr/local:\n');
  });

  it('its own /etc/hostname, /etc/hosts (as the kubelet writes it) and /etc/resolv.conf', async () => {
    const ip = (await podJson('kiada')).status.podIP;
    expect((await exec('kiada', 'cat', '/etc/hostname')).stdout).toBe('kiada\n');
    expect((await exec('kiada', 'cat', '/etc/hosts')).stdout).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n' +
        `fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${ip}\tkiada\n`,
    );
    expect((await exec('kiada', 'cat', '/etc/resolv.conf')).stdout).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect((await exec('kiada', 'hostname')).stdout).toBe('kiada\n');
  });

  it('readOnlyRootFilesystem: nothing is writable, /tmp included (as on kind without an emptyDir); the app still answers', async () => {
    for (const p of ['/x', '/tmp/x', '/app/x', '/etc/hosts']) {
      const r = await exec('kiada', 'touch', p);
      expect([r.code, r.stderr]).toEqual([1, `touch: cannot touch '${p}': ${p === '/etc/hosts' ? 'Permission denied' : 'Read-only file system'}\ncommand terminated with exit code 1\n`]);
    }
    // The book's own exec commands: the image has curl and bash (the lab's are this machine's).
    expect((await exec('kiada', 'curl', '-s', 'localhost:8080')).stdout).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
    expect((await exec('kiada', 'bash', '-c', 'echo $0 ${BASH_VERSINFO[0]}')).stdout).toMatch(/^bash \d+\n$/);
  });

  it('allowPrivilegeEscalation: false is no_new_privs, drop ALL leaves no capability; a root container has the default set', async () => {
    const status = (await exec('kiada', 'cat', '/proc/self/status')).stdout;
    expect(status).toMatch(/\nNoNewPrivs:\t1\n/);
    expect(status).toMatch(/\nCapBnd:\t0000000000000000\n/);
    const bb = (await exec('bb', 'cat', '/proc/self/status')).stdout;
    expect(bb).toMatch(/\nNoNewPrivs:\t0\n/);
    // containerd's default: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
    expect(bb).toMatch(/\nCapEff:\t00000000a80425fb\n/);
    expect((await exec('bb', 'id')).stdout).toBe('uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
  });

  it('a pod\'s root is not the host\'s: no host file, no kubeconfig, no lab daemon, no host process in sight; writes stay in the pod', async () => {
    const daemon = readOwner(lab.id)!.pid;
    for (const file of [lab.kubeconfig, secret, `/proc/${daemon}/environ`, '/etc/shadow']) {
      // The image's programs are the host's (GNU cat here): the file is simply not there.
      expect((await exec('bb', 'cat', file)).stderr).toBe(`cat: ${file}: No such file or directory\ncommand terminated with exit code 1\n`);
    }
    expect((await exec('bb', 'kill', '-0', String(daemon))).code).not.toBe(0);
    // Nothing the lab had open reaches the pod: PID 1 and an exec have stdin, stdout and stderr only.
    expect((await exec('bb', 'ls', '/proc/1/fd')).stdout).toBe('0\n1\n2\n');
    expect((await exec('bb', 'sh', '-c', 'ls /proc/$$/fd')).stdout).toBe('0\n1\n2\n');
    expect((await exec('bb', 'touch', '/usr/x')).stderr).toBe("touch: cannot touch '/usr/x': Read-only file system\ncommand terminated with exit code 1\n");
    expect((await exec('bb', 'sh', '-c', 'echo pod > /written-by-pod && cat /written-by-pod')).stdout).toBe('pod\n');
    expect(fs.existsSync('/written-by-pod')).toBe(false);
  });

  it('container uids are host uids UID_BASE + uid: no host account, in the pod\'s range', async () => {
    const ip = (await podJson('kiada')).status.podIP;
    const app = hostProcesses(netnsOf(ip)).find((p) => p.cmdline === 'node dist/main.ts')!;
    const status = fs.readFileSync(`/proc/${app.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`\\nUid:\\t${UID_BASE + 1000}\\t${UID_BASE + 1000}\\t${UID_BASE + 1000}\\t${UID_BASE + 1000}\\n`));
    expect(status).toMatch(new RegExp(`\\nGid:\\t${UID_BASE + 1000}\\t`));
    expect(status).toMatch(/\nNSpid:\t\d+\t1\n/);
    const accounts = fs.readFileSync('/etc/passwd', 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(':')[2]));
    expect(accounts).not.toContain(UID_BASE + 1000);
    expect(Math.max(...accounts.filter((u) => u !== 65534))).toBeLessThan(UID_BASE);
    expect(UID_BASE + ID_COUNT).toBeLessThan(2 ** 31);
    // What the root container writes belongs to the pod's root on the host side, UID_BASE.
    await exec('bb', 'sh', '-c', 'echo x > /tmp/owned');
    const bbIP = (await podJson('bb')).status.podIP;
    const sleep = hostProcesses(netnsOf(bbIP)).find((p) => p.cmdline === 'sleep 3600')!;
    expect(fs.statSync(`/proc/${sleep.pid}/root/tmp/owned`).uid).toBe(UID_BASE);
  });

  it('kubectl cp both ways (tar in the container)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-cp-'));
    try {
      fs.writeFileSync(path.join(dir, 'in.txt'), 'from the host\n');
      expect((await lab.kubectl(['cp', path.join(dir, 'in.txt'), 'bb:/tmp/in.txt'])).code).toBe(0);
      expect((await exec('bb', 'cat', '/tmp/in.txt')).stdout).toBe('from the host\n');
      expect((await lab.kubectl(['cp', 'kiada:/etc/hostname', path.join(dir, 'hostname')])).code).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'hostname'), 'utf8')).toBe('kiada\n');
      expect((await lab.kubectl(['cp', 'kiada:/app/package.json', path.join(dir, 'package.json')])).code).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(fs.readFileSync(new URL(import.meta.resolve('@kiada/app/package.json')), 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exec looks its command up in the container: a program of the host is not there', async () => {
    const r = await exec('bb', process.execPath, '--version');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`unable to start container process: exec: "${process.execPath}": stat ${process.execPath}: no such file or directory: unknown\n$`));
    expect((await exec('kiada', 'node', '--version')).stdout).toBe(`${process.version}\n`);
  });

  it('runAsUser/runAsGroup from the pod and the container; runAsNonRoot checked as the kubelet does', async () => {
    const specs = pod('users', `  securityContext: {runAsUser: 1234, runAsGroup: 2345, supplementalGroups: [3456]}\n  terminationGracePeriodSeconds: 1\n  containers:\n` +
      `  - {name: a, image: busybox:1.36, args: [sleep, "3600"]}\n  - {name: b, image: busybox:1.36, args: [sleep, "3600"], securityContext: {runAsUser: 4321}}\n`) +
      '---\n' + pod('nonroot', `  securityContext: {runAsNonRoot: true}\n  containers:\n  - {name: nonroot, image: busybox:1.36, args: [sleep, "3600"]}\n`) +
      '---\n' + pod('curlnonroot', `  securityContext: {runAsNonRoot: true}\n  containers:\n  - {name: curlnonroot, image: curlimages/curl, args: [sleep, "3600"]}\n`);
    await lab.kubectl(['apply', '-f', '-'], { input: specs });
    await lab.waitReady('users');
    expect((await lab.kubectl(['exec', 'users', '-c', 'a', '--', 'id'])).stdout).toBe('uid=1234 gid=2345 groups=2345,3456\n');
    expect((await lab.kubectl(['exec', 'users', '-c', 'b', '--', 'id'])).stdout).toBe('uid=4321 gid=2345 groups=2345,3456\n');
    for (const [name, why] of [
      ['nonroot', 'container has runAsNonRoot and image will run as root'],
      ['curlnonroot', 'container has runAsNonRoot and image has non-numeric user (curl_user), cannot verify user is non-root'],
    ]) {
      const p = await waitFor(`${name} CreateContainerConfigError`, async () => {
        const j = await podJson(name);
        return j.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' && j;
      });
      expect(p.status.containerStatuses[0].state.waiting.message).toBe(`${why} (pod: "${name}_default(${p.metadata.uid})", container: ${name})`);
    }
    await lab.kubectl(['delete', 'pod', 'users', 'nonroot', 'curlnonroot', '--now']);
  }, 60_000);

  it('a workingDir that does not exist is made, as runc does', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: BUSYBOX('wd', '    workingDir: /work/here\n') });
    await lab.waitReady('wd');
    expect((await exec('wd', 'sh', '-c', 'pwd; ls -ld /work/here')).stdout).toMatch(/^\/work\/here\ndrwxr-xr-x\s+2 root\s+root\s+.* \/work\/here\n$/);
    await lab.kubectl(['delete', 'pod', 'wd', '--now']);
  });

  it('what a pod wrote is gone with it: the same pod again starts from the image', async () => {
    await exec('bb', 'sh', '-c', 'echo before > /tmp/left');
    expect((await exec('bb', 'cat', '/tmp/left')).stdout).toBe('before\n');
    const ip = (await podJson('bb')).status.podIP;
    const ns = netnsOf(ip);
    const sleep = hostProcesses(ns).find((p) => p.cmdline === 'sleep 3600')!;
    expect((await lab.kubectl(['delete', 'pod', 'bb'])).stdout).toBe('pod "bb" deleted\n');
    expect(fs.existsSync(`/proc/${sleep.pid}`)).toBe(false);
    await lab.kubectl(['apply', '-f', '-'], { input: BUSYBOX('bb') });
    await lab.waitReady('bb');
    expect((await exec('bb', 'ls', '/tmp')).stdout).toBe('');
  }, 30_000);
});
