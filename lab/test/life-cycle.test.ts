// The lab's life cycle and what it guarantees: up is idempotent, down cleans after a SIGKILL, Ctrl-C during up
// leaves nothing; labs of other state directories and stale PIDs are never touched; the state directory cannot be
// turned against root; the daemon survives a bug that escapes. Every lab here has a random id of its own.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTestHome, randomLabId, skipUnlessLab, waitFor } from '../src/testing.ts';
import { labUp, labDown, labStatus, nodeShellSpawn, type UpResult } from '../src/control.ts';
import { readOwner, registryDir, type OwnerRecord } from '../src/registry.ts';
import { processIdentity } from '../src/proc.ts';
import { kubeconfigYaml } from '../src/api/kubeconfig.ts';

const skip = skipUnlessLab();

const netns = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
/** The mount points of namespace files (ip netns's and the lab's UTS, IPC and user namespace files). */
const nsMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(' - nsfs ')).map((l) => l.split(' ')[4]).join('\n');
const gone = (pid: number) => processIdentity(pid) === null; // gone, or at most a zombie waiting to be reaped
const kubectl = (kubeconfig: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
/** Writes a record into the registry as root would (the tests play a daemon whose PID was recycled). */
const writeRecord = (r: OwnerRecord) => fs.writeFileSync(path.join(registryDir(r.id), 'owner.json'), JSON.stringify(r), { mode: 0o644 });
const mode = (file: string) => fs.lstatSync(file).mode & 0o7777;

describe.skipIf(skip)('lab life cycle', () => {
  it('refuses to start without root, saying exactly what it needs', () => {
    // The checkout may sit where uid 65534 cannot read (a clone under a 0700 /root): the lab's modules are
    // loaded as root, then the process drops to 65534 for good (no group, no capability left) and calls labUp.
    const id = randomLabId('n');
    const home = `/tmp/kiada-noroot-${process.pid}`;
    const script = `const m = await import(${JSON.stringify(new URL('../src/control.ts', import.meta.url).pathname)});
      process.setgroups([]); process.setgid(65534); process.setuid(65534);
      console.log((await import('node:fs')).readFileSync('/proc/self/status', 'utf8').match(/^(Uid|Gid|Groups|CapPrm|CapEff):.*$/gm).join('\\n'));
      await m.labUp({ id: '${id}' }).catch((e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, KIADA_LAB_HOME: home } });
    // The kernel's view: real, effective, saved and filesystem ids all 65534, no supplementary group, no capability.
    expect(r.stdout.split('\n').map((l) => l.split(/\s+/).filter(Boolean).join(' '))).toEqual(
      ['Uid: 65534 65534 65534 65534', 'Gid: 65534 65534 65534 65534', 'Groups:', 'CapPrm: 0000000000000000', 'CapEff: 0000000000000000', '']);
    expect(r.stderr).toBe('The lab needs root to create network namespaces: run it with sudo (it creates kiada-* network namespaces and removes them on `kiada lab down`).\n');
    expect(r.status).toBe(1);
    expect(fs.existsSync(home)).toBe(false);
    expect(netns()).not.toContain(`kiada-${id}-`);
    expect(fs.existsSync(registryDir(id))).toBe(false);
  });

  it('is idempotent, and `lab down` cleans everything after the daemon was SIGKILLed', async () => {
    const id = randomLabId('k');
    const home = makeTestHome('kiada-kill-');
    try {
      const first = await labUp({ id, home });
      const again = await labUp({ id, home });
      expect(again).toEqual({ ...first, alreadyRunning: true });
      const state = readOwner(id)!;
      process.kill(state.pid, 'SIGKILL');
      await waitFor('daemon gone', async () => gone(state.pid));
      expect(netns()).toContain(`kiada-${id}-`);
      // The nodes' hostname and IPC namespaces, bound on files of the registry's, outlive the daemon too.
      expect(nsMounts()).toContain(`${registryDir(id)}/sockets/ns/kiada-${id}-n1/uts`);
      expect(labStatus({ id, home })).toEqual({ running: false, id, stale: state });
      // What a daemon killed between writing its record and linking it leaves (a second `lab up` killed mid-claim).
      fs.writeFileSync(path.join(registryDir(id), `.owner.${state.pid}.${Date.now()}.tmp`), '{}');
      expect((await labDown({ id, home })).wasRunning).toBe(false);
      expect(netns()).not.toContain(`kiada-${id}-`);
      expect(nsMounts()).not.toContain(`kiada-${id}-`);
      for (const n of state.nodes) expect(gone(n.agentPid)).toBe(true);
      expect(fs.existsSync(home)).toBe(false);
      expect(fs.existsSync(registryDir(id))).toBe(false);
    } finally {
      await labDown({ id, home }).catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('the daemon loads its modules through Node\'s compile cache, only from a directory that is root\'s alone', async () => {
    const environ = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const cache = '/run/kiada/.compile-cache';
    const id = randomLabId('cc');
    const home = makeTestHome('kiada-cache-');
    try {
      await labUp({ id, home });
      expect(environ(readOwner(id)!.pid)).toContain(`NODE_COMPILE_CACHE=${cache}`);
      const st = fs.lstatSync(cache);
      expect([st.isDirectory(), st.uid, st.mode & 0o777]).toEqual([true, 0, 0o700]);
      await labDown({ id, home });
      // Open to others, it could hand root code of their choosing: the next daemon starts without it.
      fs.chmodSync(cache, 0o777);
      await labUp({ id, home });
      expect(environ(readOwner(id)!.pid).filter((v) => v.startsWith('NODE_COMPILE_CACHE='))).toEqual([]);
    } finally {
      fs.chmodSync(cache, 0o700);
      await labDown({ id, home }).catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('Ctrl-C or SIGTERM while `lab up` waits cancels it: no namespace, process, file or kubeconfig is left', async () => {
    const control = new URL('../src/control.ts', import.meta.url).pathname;
    // Processes of this lab, found by their command line (to look, never to kill).
    const processesOf = (id: string) => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').includes(`--id ${id} `); } catch { return false; }
    });
    // The lab is up ~0.3–0.5 s after its daemon starts: the signals land while it loads, makes the nodes, makes the API.
    for (const [delay, signal] of [[50, 'SIGINT'], [150, 'SIGTERM'], [250, 'SIGINT']] as const) {
      const id = randomLabId('c');
      const home = makeTestHome('kiada-cancel-');
      const kcDir = makeTestHome('kiada-cancel-kc-');
      const kubeconfig = path.join(kcDir, 'config');
      const child = spawn(process.execPath, ['--input-type=module', '-e', `const { labUp } = await import(${JSON.stringify(control)}); await labUp({ id: '${id}', kubeconfig: '${kubeconfig}' }); console.log('up');`],
        { env: { ...process.env, KIADA_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      try {
        // Signalled once the daemon is starting (its log exists), at different points of its start.
        await waitFor('daemon started', async () => fs.existsSync(path.join(home, 'daemon.log')) || child.exitCode !== null, 10_000);
        await new Promise((r) => setTimeout(r, delay));
        child.kill(signal);
        const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
        if (out.includes('up')) {
          // It was up before the signal: that is a started lab, which `lab down` stops. (The signal may still end
          // the process on its way out, after `lab up` was done.)
          expect([0, null]).toContain(code);
          await labDown({ id, home });
        } else expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
        expect(netns()).not.toContain(`kiada-${id}-`);
        expect(processesOf(id)).toEqual([]);
        expect(fs.existsSync(home)).toBe(false);
        expect(fs.existsSync(kubeconfig)).toBe(false);
        expect(fs.existsSync(registryDir(id))).toBe(false);
      } finally {
        child.kill('SIGKILL');
        await labDown({ id, home }).catch(() => {});
        fs.rmSync(home, { recursive: true, force: true });
        fs.rmSync(kcDir, { recursive: true, force: true });
      }
    }
  }, 90_000);
});

describe.skipIf(skip)('labs never step on each other', () => {
  // Lab A: its state directory holds symlinks planted where daemon.log and kubeconfig go (to files of root's),
  // and its daemon gets the test-only hook that throws an uncaught exception and an unhandled rejection.
  // Made in beforeAll, not here: a run that skips this block (vitest -t) must not leave them behind.
  const id = randomLabId('a');
  let home: string, other: string, victims: string;
  const victim = (name: string) => path.join(victims, name);
  let a: UpResult;
  const sleepers: ChildProcess[] = [];
  const sleeper = async () => {
    const s = spawn('sleep', ['120'], { stdio: 'ignore' });
    sleepers.push(s);
    await waitFor('sleep running', async () => processIdentity(s.pid!)?.cmdline[0] === 'sleep', 5_000);
    return s;
  };

  beforeAll(async () => {
    home = makeTestHome('kiada-own-a-');
    other = makeTestHome('kiada-own-b-');
    victims = fs.mkdtempSync('/tmp/kiada-victims-');
    for (const name of ['log-target', 'kubeconfig-target']) fs.writeFileSync(victim(name), 'precious\n', { mode: 0o644 });
    fs.symlinkSync(victim('log-target'), path.join(home, 'daemon.log'));
    fs.symlinkSync(victim('kubeconfig-target'), path.join(home, 'kubeconfig'));
    process.env.KIADA_LAB_INJECT_FAULTS = '1';
    try {
      a = await labUp({ id, home });
    } finally {
      delete process.env.KIADA_LAB_INJECT_FAULTS;
    }
  }, 60_000);
  afterAll(async () => {
    for (const s of sleepers) s.kill('SIGKILL');
    await labDown({ id, home }).catch(() => {});
    for (const dir of [home, other, victims]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    expect(netns()).not.toContain(`kiada-${id}-`);
    expect(nsMounts()).not.toContain(`kiada-${id}-`);
  }, 60_000);

  it('replaces a symlinked daemon.log or kubeconfig in the state directory, never following it', async () => {
    for (const name of ['log-target', 'kubeconfig-target']) {
      expect(fs.readFileSync(victim(name), 'utf8')).toBe('precious\n');
      expect(mode(victim(name))).toBe(0o644);
    }
    for (const name of ['daemon.log', 'kubeconfig']) {
      const st = fs.lstatSync(path.join(home, name));
      expect(st.isFile()).toBe(true);
      expect(st.mode & 0o7777).toBe(0o600);
    }
    expect(a.kubeconfig).toBe(path.join(home, 'kubeconfig'));
    expect(fs.readdirSync(home).sort()).toEqual(['daemon.log', 'kubeconfig']);
    // The namespace files live in the registry, where only root can enter, not in the user's state directory;
    // so does the empty directory each container's root is first mounted on (in the container's own namespace).
    const sockets = path.join(registryDir(id), 'sockets');
    expect(mode(sockets)).toBe(0o700);
    expect(fs.readdirSync(sockets).sort()).toEqual(['ns', 'rootfs']);
    expect(mode(path.join(sockets, 'ns', `kiada-${id}-n0`))).toBe(0o700);
    expect(fs.readdirSync(path.join(sockets, 'rootfs'))).toEqual([]);
    expect(mode(path.join(registryDir(id), 'owner.json'))).toBe(0o644);
    expect((await kubectl(a.kubeconfig, ['get', 'nodes', '-o', 'name'])).stdout).toBe('node/kind-control-plane\nnode/kind-worker\nnode/kind-worker2\n');
  });

  it('the daemon logs an uncaught exception and an unhandled rejection with their stacks, and keeps serving', async () => {
    const log = await waitFor('both faults logged', async () => {
      const text = fs.readFileSync(path.join(home, 'daemon.log'), 'utf8');
      return text.includes('uncaught exception') && text.includes('unhandled rejection') && text;
    }, 10_000);
    expect(log).toMatch(/uncaught exception \(the lab keeps running\): Error: injected uncaught exception \(KIADA_LAB_INJECT_FAULTS\)\n\s+at .*daemon\.ts:\d+/);
    expect(log).toMatch(/unhandled rejection \(the lab keeps running\): Error: injected unhandled rejection \(KIADA_LAB_INJECT_FAULTS\)\n\s+at .*daemon\.ts:\d+/);
    expect(labStatus({ id, home })).toMatchObject({ running: true, mine: true, state: { pid: a.pid } });
    const r = await kubectl(a.kubeconfig, ['get', 'nodes', '-o', 'name']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('refuses a second `lab up` or a `lab down` of the same id from another state directory, naming the owner', async () => {
    const owner = `root (pid ${a.pid}, state in ${home})`;
    await expect(labUp({ id, home: other })).rejects.toThrow(`the lab "${id}" is already running for ${owner}: choose another id with --lab-id or KIADA_LAB_ID`);
    await expect(labDown({ id, home: other })).rejects.toThrow(`the lab "${id}" is running for ${owner}, not from ${other}: only its owner stops it (lab down with that state directory)`);
    // Nothing of lab A was touched, and nothing was made for the refused ones.
    expect(fs.readdirSync(other)).toEqual([]);
    expect(labStatus({ id, home: other })).toMatchObject({ running: true, mine: false, state: { pid: a.pid } });
    expect(await labUp({ id, home })).toEqual({ ...a, alreadyRunning: true });
    for (const n of ['net', 'n0', 'n1', 'n2']) expect(netns()).toContain(`kiada-${id}-${n}`);
    expect((await kubectl(a.kubeconfig, ['get', 'nodes', '-o', 'name'])).code).toBe(0);
  });

  it('node-shell refuses an agent PID that now belongs to another process', async () => {
    const real = readOwner(id)!;
    const s = await sleeper();
    writeRecord({ ...real, nodes: real.nodes.map((n) => (n.name === 'kind-worker' ? { ...n, agentPid: s.pid! } : n)) });
    try {
      expect(() => nodeShellSpawn({ id, node: 'kind-worker', argv: ['true'] })).toThrow(
        `node "kind-worker" of the lab "${id}" is not running (its agent, pid ${s.pid}, is gone): restart the lab with \`kiada lab down\` and \`kiada lab up\``);
    } finally {
      writeRecord(real);
    }
    const ok = nodeShellSpawn({ id, node: 'kind-worker', argv: ['hostname'], stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    ok.stdout!.on('data', (c) => (out += c));
    await new Promise((r) => ok.once('exit', r));
    expect(out).toBe('kind-worker\n');
  });

  it('after a SIGKILL and PID reuse, status says not running, `lab up` starts afresh and `lab down` kills nothing else', async () => {
    /** Kills the lab's daemon and gives its PID, in the record, to a harmless process of ours (another start time and command line). */
    const killAndReuse = async () => {
      const real = readOwner(id)!;
      process.kill(real.pid, 'SIGKILL');
      await waitFor('daemon gone', async () => gone(real.pid));
      const s = await sleeper();
      writeRecord({ ...real, pid: s.pid! });
      return s;
    };
    const first = await killAndReuse();
    expect(labStatus({ id, home })).toMatchObject({ running: false, id, stale: { pid: first.pid } });
    const again = await labUp({ id, home });
    expect(again.alreadyRunning).toBe(false);
    expect(again.pid).not.toBe(first.pid);
    expect(gone(first.pid!)).toBe(false);
    expect((await kubectl(again.kubeconfig, ['get', 'nodes', '-o', 'name'])).code).toBe(0);
    const s = await killAndReuse();
    expect(labStatus({ id, home })).toMatchObject({ running: false, id, stale: { pid: s.pid } });
    expect((await labDown({ id, home })).wasRunning).toBe(false);
    expect(gone(first.pid!)).toBe(false);
    expect(gone(s.pid!)).toBe(false);
    expect(netns()).not.toContain(`kiada-${id}-`);
    expect(fs.existsSync(registryDir(id))).toBe(false);
    expect(fs.existsSync(home)).toBe(false);
    for (const name of ['log-target', 'kubeconfig-target']) expect(fs.readFileSync(victim(name), 'utf8')).toBe('precious\n');
  }, 30_000);
});

describe.skipIf(skip)('the state directory cannot be turned against root', () => {
  const dirs: string[] = [];
  const dir = (prefix: string) => {
    const d = makeTestHome(prefix);
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  /** `lab up` refused with exactly `message`, before anything was made. */
  const refused = async (id: string, opts: { home: string; kubeconfig?: string }, message: string) => {
    await expect(labUp({ id, ...opts })).rejects.toThrow(message);
    expect(netns()).not.toContain(`kiada-${id}-`);
    expect(fs.existsSync(registryDir(id))).toBe(false);
  };

  it('refuses a state directory writable by its group or others, a symlink, or another user\'s, in one line', async () => {
    const id = randomLabId('s');
    const groupWritable = dir('kiada-gw-');
    fs.chmodSync(groupWritable, 0o770);
    await refused(id, { home: groupWritable }, `the lab's state directory ${groupWritable} is writable by its group (mode 0770): fix it with \`chmod go-w ${groupWritable}\``);
    expect(fs.readdirSync(groupWritable)).toEqual([]);
    const worldWritable = dir('kiada-ww-');
    fs.chmodSync(worldWritable, 0o703);
    await refused(id, { home: worldWritable }, `the lab's state directory ${worldWritable} is writable by others (mode 0703): fix it with \`chmod go-w ${worldWritable}\``);
    const link = `${dir('kiada-link-')}/home`;
    fs.symlinkSync(dir('kiada-link-target-'), link);
    await refused(id, { home: link }, `the lab's state directory ${link} is a symbolic link: the lab writes only into a real directory (remove the link, or choose another directory)`);
    const nobodys = dir('kiada-nobody-');
    fs.chownSync(nobodys, 65534, 65534);
    await refused(id, { home: nobodys }, `the lab's state directory ${nobodys} belongs to uid 65534, not to root (uid 0): use a directory of your own, or \`chown root ${nobodys}\``);
    // A --kubeconfig goes only into a directory that passes the same checks.
    const home = dir('kiada-kchome-');
    const kcDir = dir('kiada-kcdir-');
    fs.chmodSync(kcDir, 0o775);
    await refused(id, { home, kubeconfig: path.join(kcDir, 'config') }, `the kubeconfig's directory ${kcDir} is writable by its group (mode 0775): fix it with \`chmod go-w ${kcDir}\``);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('trusts the registry only as root\'s own: an entry of another user is refused, by up and status alike', async () => {
    const id = randomLabId('r');
    fs.mkdirSync(registryDir(id));
    try {
      fs.chownSync(registryDir(id), 65534, 65534);
      const message = `the lab registry ${registryDir(id)} belongs to uid 65534, not root: the lab trusts it only as root's own; remove it (\`sudo rm -rf ${registryDir(id)}\`) and start again`;
      expect(() => labStatus({ id })).toThrow(message);
      await expect(labUp({ id, home: dir('kiada-reg-') })).rejects.toThrow(message);
      expect(netns()).not.toContain(`kiada-${id}-`);
    } finally {
      fs.rmSync(registryDir(id), { recursive: true, force: true });
    }
  });

  it('leaves the kubeconfig 0600 even if it existed 0644, and never replaces a kubeconfig that is not a lab\'s', async () => {
    const id = randomLabId('m');
    const home = dir('kiada-mode-');
    const kubeconfig = path.join(dir('kiada-mode-kc-'), 'config');
    // A lab kubeconfig left 0644 (by an older version, or a chmod): the admin token must not stay readable.
    fs.writeFileSync(kubeconfig, kubeconfigYaml({ server: 'https://127.0.0.1:1', ca: 'old', token: 'old' }), { mode: 0o644 });
    fs.chmodSync(kubeconfig, 0o644);
    try {
      const up = await labUp({ id, home, kubeconfig });
      expect(up.kubeconfig).toBe(kubeconfig);
      expect(mode(kubeconfig)).toBe(0o600);
      expect(fs.readFileSync(kubeconfig, 'utf8')).not.toContain('token: old');
      expect(readOwner(id)).toMatchObject({ kubeconfig, stateDir: home, user: { uid: 0, name: 'root' } });
      await labDown({ id, home });
      expect(fs.existsSync(kubeconfig)).toBe(false);
    } finally {
      await labDown({ id, home }).catch(() => {});
    }
    // Say, a reader's real ~/.kube/config given to --kubeconfig: refused, and left as it was.
    const real = 'apiVersion: v1\nkind: Config\ncurrent-context: kind-kind\n';
    fs.writeFileSync(kubeconfig, real, { mode: 0o600 });
    await refused(id, { home, kubeconfig }, `${kubeconfig} exists and is not a kubeconfig written by the lab: refusing to replace it; remove it or choose another --kubeconfig`);
    expect(fs.readFileSync(kubeconfig, 'utf8')).toBe(real);
  }, 60_000);
});
