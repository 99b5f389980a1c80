// The dataplane on real network namespaces: kind-like addresses, node→pod source address, pod→pod across
// nodes, the pod's hostname, port-forward's connection to the pod loopback, an idle pod running nothing of the
// lab's (its namespaces are bound on files), and nothing left behind.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDataplane, type ContainerSpec, type Dataplane, type Sandbox } from '../src/net/index.ts';
import { skipUnlessLab, waitFor } from '../src/testing.ts';
import { processIdentity } from '../src/proc.ts';

const skip = skipUnlessLab();

// A tiny server for inside the namespaces: answers with the client address it sees.
const SERVER = `require('http').createServer((q,s)=>{s.end(q.socket.remoteAddress+'\\n')}).listen({port:9000,host:process.argv[1]},()=>console.log('up'))`;

async function httpThrough(s: import('node:stream').Duplex): Promise<string> {
  let got = '';
  s.on('data', (c) => (got += c));
  s.write('GET / HTTP/1.0\r\n\r\n');
  await new Promise((r) => s.once('end', r));
  // Half-open connections: our side ends too, as port-forward does when its stream ends.
  s.end();
  return got.split('\r\n\r\n')[1];
}

/** A bare container: the host's programs read-only, node on the PATH, root of the pod's user namespace. */
const container = (argv: string[]): ContainerSpec => ({
  argv,
  env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  cwd: '/',
  stdin: false,
  user: { uid: 0, gid: 0, groups: [] },
  capabilities: [],
  noNewPrivs: true,
  readOnlyRoot: true,
  rootfs: { host: ['/usr', '/bin', '/lib', '/lib64', '/sbin'], layers: ['/usr/local'], dirs: [], files: [], symlinks: [], binds: [{ path: '/usr/local/bin/node', source: process.execPath }] },
});

/** The mount points of namespace files in /proc/self/mountinfo (ip netns's and the lab's). */
const nsMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(' - nsfs ')).map((l) => l.split(' ')[4]);
/** The processes in a network namespace, by command line. */
const pidsIn = (netns: string) => execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);

function output(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return new Promise((r) => child.once('exit', (code) => r({ code, out })));
}

describe.skipIf(skip)('dataplane', () => {
  const id = `t${randomBytes(3).toString('hex')}`;
  let dp: Dataplane;
  let a: Sandbox;
  let b: Sandbox;
  const servers: ChildProcess[] = [];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-net-'));
  beforeAll(async () => {
    dp = await createDataplane({ id, socketDir: path.join(home, 'sockets'), podAgentIdleMs: 300 });
    a = await dp.createSandbox('kind-worker', 'pod-a');
    b = await dp.createSandbox('kind-worker2', 'pod-b');
  }, 30_000);
  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await dp?.destroy();
    fs.rmSync(home, { recursive: true, force: true });
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`kiada-${id}-`);
    expect(nsMounts().filter((m) => m.includes(`kiada-${id}-`))).toEqual([]);
  });

  async function serve(sb: Sandbox, host: string) {
    const child = await dp.startContainer(sb, container(['node', '-e', SERVER, host]));
    servers.push(child);
    await new Promise((r) => child.stdout!.once('data', r));
    return child;
  }

  it('lays out nodes and pods like kind', () => {
    expect(dp.nodes.map((n) => [n.name, n.address, n.podCIDR])).toEqual([
      ['kind-control-plane', '172.18.0.2', '10.244.0.0/24'],
      ['kind-worker', '172.18.0.3', '10.244.1.0/24'],
      ['kind-worker2', '172.18.0.4', '10.244.2.0/24'],
    ]);
    expect([a.ip, b.ip]).toEqual(['10.244.1.2', '10.244.2.2']);
  });

  it('gives the pod its name as hostname', async () => {
    expect((await output(await dp.startContainer(a, container(['hostname'])))).out).toBe('pod-a\n');
    expect((await output(dp.spawnOnNode('kind-worker', ['hostname']))).out).toBe('kind-worker\n');
  });

  it('sets the sysctls a kind node and a containerd pod have: forwarding on the node; ping and low ports for the pod', async () => {
    const sysctls = ['ip_forward', 'ping_group_range', 'ip_unprivileged_port_start'].map((k) => `/proc/sys/net/ipv4/${k}`);
    expect((await output(dp.spawnOnNode('kind-worker', ['cat', ...sysctls]))).out).toBe('1\n1\t0\n1024\n');
    // Read as root of the host (inside the pod, its user namespace shows gid 0 as the overflow gid).
    expect(execFileSync('nsenter', [`--net=${a.ns.net}`, '--', 'cat', ...sysctls], { encoding: 'utf8' })).toBe('0\n0\t2147483647\n0\n');
    // The loopback is up on both, and the pod's eth0 has the MAC the CNI bridge plugin derives from its IP.
    expect((await output(await dp.startContainer(a, container(['cat', '/sys/class/net/lo/operstate', '/sys/class/net/eth0/address'])))).out).toBe('unknown\n0a:58:0a:f4:01:02\n');
    expect((await output(dp.spawnOnNode('kind-worker', ['cat', '/sys/class/net/lo/operstate']))).out).toBe('unknown\n');
  });

  it('node → pod arrives from the node bridge address; pod → pod keeps the pod address', async () => {
    await serve(b, '::');
    const fromNode = await output(dp.spawnOnNode('kind-worker2', ['curl', '-s', '--max-time', '3', 'http://10.244.2.2:9000']));
    expect(fromNode.out).toBe('::ffff:10.244.2.1\n');
    const fromPod = await output(await dp.startContainer(a, container(['curl', '-s', '--max-time', '3', 'http://10.244.2.2:9000'])));
    expect(fromPod.out).toBe('::ffff:10.244.1.2\n');
    expect(await httpThrough(await dp.connectFromNode('kind-worker', '10.244.2.2', 9000))).toBe('::ffff:172.18.0.3\n');
  });

  it('a container whose command ends at once has still started, with its exit code (even many at once)', async () => {
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => dp.startContainer(a, container(['sh', '-c', `exit ${i}`]))));
    const codes = await Promise.all(runs.map((c) => (c.exitCode !== null ? c.exitCode : new Promise((r) => c.once('exit', (code) => r(code))))));
    expect(codes).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('connects to the pod loopback, and says why when nothing listens there', async () => {
    await serve(a, '127.0.0.1');
    expect(await httpThrough(await dp.connectInPod(a, 9000))).toBe('127.0.0.1\n');
    await expect(dp.connectInPod(a, 9001)).rejects.toThrow(
      `failed to connect to localhost:9001 inside namespace "/run/netns/kiada-${id}-p0", IPv4: dial tcp4 127.0.0.1:9001: connect: connection refused IPv6 dial tcp6 [::1]:9001: connect: connection refused `,
    );
  });

  it('hands over connections whole: what the peer says first, and half-closes both ways', async () => {
    // A server that greets before it reads (as SSH or SMTP do), then echoes until the client's FIN, then says bye.
    const GREETER = `require('net').createServer({allowHalfOpen:true},s=>{s.write('hello\\n');s.pipe(s,{end:false});s.on('end',()=>s.end('bye\\n'))}).listen(9002,'127.0.0.1',()=>console.log('up'))`;
    const child = await dp.startContainer(a, container(['node', '-e', GREETER]));
    servers.push(child);
    await new Promise((r) => child.stdout!.once('data', r));
    // Many at once: the agent hands them over one after the other, and each greeting arrives before its turn. It
    // must not be lost between the agent and the lab.
    const talk = async () => {
      const s = await dp.connectInPod(a, 9002);
      await new Promise((r) => setTimeout(r, 100));
      let got = '';
      s.on('data', (c) => (got += c));
      s.end('ping\n');
      await new Promise((r) => s.once('end', r));
      return got;
    };
    expect(await Promise.all(Array.from({ length: 40 }, talk))).toEqual(Array(40).fill('hello\nping\nbye\n'));
  });

  it('an idle pod runs no process: its UTS, IPC and user namespaces are files; port-forward starts an agent in it, gone when idle', async () => {
    const c = await dp.createSandbox('kind-worker2', 'pod-idle');
    try {
      expect(pidsIn(c.netns)).toEqual([]);
      const dir = path.join(home, 'sockets', 'ns', `kiada-${id}-${c.key}`);
      expect(c.ns).toEqual({ net: `/run/netns/${c.netns}`, uts: `${dir}/uts`, ipc: `${dir}/ipc`, user: `${dir}/user` });
      expect(nsMounts().filter((m) => m.startsWith(dir)).sort()).toEqual([`${dir}/ipc`, `${dir}/user`, `${dir}/uts`]);
      // The user namespace keeps its map with nobody in it: container root is host uid UID_BASE.
      expect(execFileSync('nsenter', [`--user=${c.ns.user}`, 'cat', '/proc/self/uid_map'], { encoding: 'utf8' }).trim().split(/\s+/)).toEqual(['0', '1900000000', '65536']);
      expect((await output(await dp.startContainer(c, container(['hostname'])))).out).toBe('pod-idle\n');

      // A server on the pod's loopback only: reachable through the pod's agent, started by the first connection.
      await serve(c, '127.0.0.1');
      expect(await dp.podAgentPid(c)).toBeUndefined();
      const s1 = await dp.connectInPod(c, 9000);
      const agent = (await dp.podAgentPid(c))!;
      expect(pidsIn(c.netns)).toContain(agent);
      expect(processIdentity(agent)!.cmdline.slice(1)).toEqual([path.resolve(import.meta.dirname, '../src/net/agent.mjs')]);
      // A second connection while the first is open reuses it.
      expect(await httpThrough(await dp.connectInPod(c, 9000))).toBe('127.0.0.1\n');
      expect(await dp.podAgentPid(c)).toBe(agent);
      expect(await httpThrough(s1)).toBe('127.0.0.1\n');
      // Idle (300 ms here, 30 s in a lab): stopped; the next port-forward starts another.
      await waitFor('the pod agent stopped', async () => (await dp.podAgentPid(c)) === undefined && processIdentity(agent) === null, 5_000);
      expect(await httpThrough(await dp.connectInPod(c, 9000))).toBe('127.0.0.1\n');
      expect(await dp.podAgentPid(c)).not.toBe(agent);
    } finally {
      await dp.removeSandbox(c);
    }
    // Gone with the pod: its agent, its namespace files and their directory.
    expect(nsMounts().filter((m) => m.includes(`kiada-${id}-${c.key}`))).toEqual([]);
    expect(fs.existsSync(path.join(home, 'sockets', 'ns', `kiada-${id}-${c.key}`))).toBe(false);
  }, 20_000);

  it('never gives the host a route to the lab ranges', () => {
    const routes = execFileSync('ip', ['route'], { encoding: 'utf8' }) + execFileSync('ip', ['-6', 'route'], { encoding: 'utf8' });
    expect(routes).not.toMatch(/10\.244\.|172\.18\./);
  });

  it('removes a sandbox, off the bridge at once; its IP comes back only after the others, with the same MAC', async () => {
    const c = await dp.createSandbox('kind-worker', 'pod-c');
    expect(c.ip).toBe('10.244.1.3');
    // The MAC follows from the IP, as with the CNI bridge plugin: neighbours' stale ARP entries stay right.
    expect(execFileSync('ip', ['-n', c.netns, 'link', 'show', 'eth0'], { encoding: 'utf8' })).toContain('link/ether 0a:58:0a:f4:01:03 ');
    const node = dp.nodes.find((n) => n.name === 'kind-worker')!.netns;
    expect(execFileSync('ip', ['-n', node, 'link', 'show'], { encoding: 'utf8' })).toContain(`v${c.key}@`);
    await dp.removeSandbox(c);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(c.netns + ' ');
    expect(execFileSync('ip', ['-n', node, 'link', 'show'], { encoding: 'utf8' })).not.toContain(`v${c.key}@`);
    // host-local IPAM hands out the next address, not the one just freed.
    const d = await dp.createSandbox('kind-worker', 'pod-d');
    expect(d.ip).toBe('10.244.1.4');
    await dp.removeSandbox(d);
  });
});
