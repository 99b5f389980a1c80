// `kiada lab …` as a reader runs it: `up --foreground` in a terminal (Ctrl-C = down; a dead daemon ends it with
// one line), and `sudo npx kiada lab up` done right (the invoking user's kubeconfig, in their home, theirs).
// Every lab here has a random id of its own.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { labDown } from '@kiada/lab/control.ts';
import { makeTestHome, randomLabId, skipUnlessLab, waitFor, readOwner, registryDir, processIdentity } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();
const netns = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

function run(argv: string[], env: NodeJS.ProcessEnv, timeout = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { env, timeout }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

function baseEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of ['KUBECONFIG', 'KIADA_LAB_ID', 'SUDO_UID', 'SUDO_GID', 'SUDO_USER', 'KIADA_LAB_INJECT_FAULTS']) if (!(k in extra)) delete env[k];
  return env;
}

describe.skipIf(skip)('kiada lab up --foreground', () => {
  /** `kiada lab up --foreground` in a terminal of its own (util-linux script); the output so far, and its exit. */
  function foreground(id: string, home: string) {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} lab up --foreground --lab-id ${id}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: baseEnv({ KIADA_LAB_HOME: home }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, out: () => out, exited };
  }

  it('stays attached until Ctrl-C, which stops the lab and removes everything (exit 130)', async () => {
    const id = randomLabId('f');
    const home = makeTestHome('kiada-fg-');
    const fg = foreground(id, home);
    try {
      await waitFor('attached', async () => fg.out().includes('Running in the foreground; Ctrl-C stops the lab.') || fg.child.exitCode !== null, 60_000);
      expect(fg.out()).toContain(`export KUBECONFIG=${home}/kubeconfig`);
      // It used to end here at once with exit code 13 (an unsettled top-level await), the lab left running.
      await new Promise((r) => setTimeout(r, 1500));
      expect(fg.child.exitCode).toBe(null);
      expect(readOwner(id)?.ready).toBe(true);
      fg.child.stdin.write('\x03'); // Ctrl-C on its terminal: SIGINT to the foreground process
      expect(await fg.exited).toBe(130);
      expect(netns()).not.toContain(`kiada-${id}-`);
      expect(fs.existsSync(registryDir(id))).toBe(false);
      expect(fs.existsSync(home)).toBe(false);
    } finally {
      fg.child.kill('SIGKILL');
      await labDown({ id, home }).catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);

  it('ends with one line and exit code 1 when the daemon dies', async () => {
    const id = randomLabId('f');
    const home = makeTestHome('kiada-fg-');
    const fg = foreground(id, home);
    try {
      await waitFor('attached', async () => fg.out().includes('Running in the foreground') || fg.child.exitCode !== null, 60_000);
      const daemon = readOwner(id)!.pid;
      process.kill(daemon, 'SIGKILL');
      expect(await fg.exited).toBe(1);
      const last = fg.out().trimEnd().split('\n').at(-1)!.replace(/\r$/, '');
      expect(last).toBe(`error: the lab's daemon (pid ${daemon}) died; see ${home}/daemon.log, then \`kiada lab down\` removes what it left`);
    } finally {
      fg.child.kill('SIGKILL');
      await labDown({ id, home }).catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    }
    expect(netns()).not.toContain(`kiada-${id}-`);
  }, 90_000);
});

describe.skipIf(skip)('sudo kiada lab up', () => {
  // A throwaway user with a home of its own plays the reader who typed `sudo npx kiada lab up`.
  const user = `kiada-${randomBytes(3).toString('hex')}`;
  const userHome = fs.mkdtempSync('/tmp/kiada-sudo-home-');
  const id = randomLabId('u');
  let uid = 0;
  let gid = 0;
  const sudoEnv = () => baseEnv({ SUDO_UID: String(uid), SUDO_GID: String(gid), SUDO_USER: user, HOME: '/root' });
  /** The CLI as root under sudo, and as the user themselves. */
  const asRoot = (args: string[]) => run([process.execPath, BIN, ...args], sudoEnv());
  const asUser = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    run(['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', ...argv], baseEnv({ HOME: userHome, USER: user, ...env }));
  const kubeconfig = path.join(userHome, '.kiada', 'lab', id, 'kubeconfig');

  beforeAll(() => {
    execFileSync('useradd', ['--no-create-home', '--home-dir', userHome, '--shell', '/usr/sbin/nologin', '--user-group', user]);
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
    gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
    fs.chownSync(userHome, uid, gid);
  });
  afterAll(async () => {
    await asRoot(['lab', 'down', '--lab-id', id]).catch(() => {});
    await labDown({ id, home: path.dirname(kubeconfig) }).catch(() => {});
    try {
      execFileSync('userdel', [user], { stdio: 'ignore' });
    } finally {
      fs.rmSync(userHome, { recursive: true, force: true });
    }
    expect(netns()).not.toContain(`kiada-${id}-`);
  }, 60_000);

  it('writes the kubeconfig into the invoking user\'s home, theirs and 0600, and their own kubectl works with the printed export', async () => {
    const up = await asRoot(['lab', 'up', '--lab-id', id]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout.trimEnd().split('\n').at(-1)).toBe(`export KUBECONFIG=${kubeconfig}`);
    const st = fs.statSync(kubeconfig);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([uid, gid, 0o600]);
    const dir = fs.statSync(path.dirname(kubeconfig));
    expect([dir.uid, dir.mode & 0o7777]).toEqual([uid, 0o700]);
    expect(fs.statSync(path.join(userHome, '.kiada')).uid).toBe(uid);
    expect(fs.statSync(path.join(path.dirname(kubeconfig), 'daemon.log')).uid).toBe(uid);
    expect(readOwner(id)).toMatchObject({ user: { uid, gid, name: user }, stateDir: path.dirname(kubeconfig), kubeconfig });

    // The reader, in a new shell of their own, pastes the printed line.
    const nodes = await asUser(['kubectl', 'get', 'nodes', '-o', 'name'], { KUBECONFIG: kubeconfig });
    expect(nodes).toMatchObject({ code: 0, stdout: 'node/kind-control-plane\nnode/kind-worker\nnode/kind-worker2\n' });
    // Without root they can look at it, and `lab up` again just says where it is — if they can read this checkout
    // (a clone under a 0700 /root they cannot).
    if ((await asUser(['test', '-r', BIN])).code !== 0) return console.warn(`skipping the checks as ${user}: ${BIN} is not readable by other users`);
    const status = await asUser([process.execPath, BIN, 'lab', 'status', '--lab-id', id]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^running: pid \\d+, API https://127\\.0\\.0\\.1:\\d+, kubeconfig ${kubeconfig.replace(/[.]/g, '\\.')}\\n$`));
    const again = await asUser([process.execPath, BIN, 'lab', 'up', '--lab-id', id]);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toMatch(/^The lab is already running: /);
    expect(again.stdout.trimEnd().split('\n').at(-1)).toBe(`export KUBECONFIG=${kubeconfig}`);
  }, 90_000);

  it('refuses root\'s own `lab up` and `lab down` of that id (another state directory), naming the user', async () => {
    const pid = readOwner(id)!.pid;
    const rootHome = makeTestHome('kiada-sudo-root-');
    try {
      const env = baseEnv({ KIADA_LAB_HOME: rootHome });
      const owner = `${user} (pid ${pid}, state in ${path.dirname(kubeconfig)})`;
      expect(await run([process.execPath, BIN, 'lab', 'up', '--lab-id', id], env)).toEqual({
        code: 1, stdout: '', stderr: `error: the lab "${id}" is already running for ${owner}: choose another id with --lab-id or KIADA_LAB_ID\n`,
      });
      expect(await run([process.execPath, BIN, 'lab', 'down', '--lab-id', id], env)).toEqual({
        code: 1, stdout: '', stderr: `error: the lab "${id}" is running for ${owner}, not from ${rootHome}: only its owner stops it (lab down with that state directory)\n`,
      });
      expect(processIdentity(pid)).not.toBe(null);
    } finally {
      fs.rmSync(rootHome, { recursive: true, force: true });
    }
  }, 30_000);

  it('`sudo kiada lab down` removes the lab and the user\'s files', async () => {
    const down = await asRoot(['lab', 'down', '--lab-id', id]);
    expect(down).toMatchObject({ code: 0, stdout: 'The lab is stopped; its namespaces, processes and files are removed.\n' });
    expect(fs.existsSync(path.dirname(kubeconfig))).toBe(false);
    expect(fs.existsSync(registryDir(id))).toBe(false);
    expect(netns()).not.toContain(`kiada-${id}-`);
  }, 30_000);
});
