// The terminal layer (tty.ts) over a plain local spawn, without root: the command has a terminal of its own and
// the size it was given, its output comes CRLF, sizes apply in the order they were asked for, signals reach the
// command and not the relay.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { resizeTerminal, signalTerminal, spawnInTerminal, terminalProcess, type Spawn } from '../../src/kubelet/tty.ts';
import { waitFor } from '../../src/testing.ts';

const started: ChildProcess[] = [];
const local: Spawn = (argv, o) => {
  const p = spawn(argv[0], argv.slice(1), { cwd: o.cwd ?? '/', env: o.env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  started.push(p);
  return p;
};
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function run(argv: string[], env: Record<string, string> = { PATH: process.env.PATH! }, size?: { cols: number; rows: number }) {
  const p = spawnInTerminal(local, argv, { env }, size);
  let out = '';
  p.stdout!.on('data', (c) => (out += c));
  p.stderr!.on('data', (c) => (out += c));
  const exit = new Promise<number | null>((resolve) => p.once('close', (code) => resolve(code)));
  return { p, out: () => out, exit };
}

describe('tty: a command on a terminal of its own', { timeout: 30_000 }, () => {
  it('has a controlling terminal of the given size; stdout and stderr both go through it, CRLF', async () => {
    const r = run(['sh', '-c', 'tty; stty size; echo err >&2; test -t 0 && test -t 1 && test -t 2 && echo all three'], { PATH: process.env.PATH! }, { cols: 91, rows: 17 });
    expect(await r.exit).toBe(0);
    expect(r.out()).toMatch(/^\/dev\/pts\/\d+\r\n17 91\r\nerr\r\nall three\r\n$/);
  });

  it('without a size it is 0x0, as a console before its first resize', async () => {
    const r = run(['stty', 'size']);
    expect(await r.exit).toBe(0);
    expect(r.out()).toBe('0 0\r\n');
  });

  it("passes the command's exit code, 128+n after signal n", async () => {
    expect(await run(['sh', '-c', 'exit 3']).exit).toBe(3);
    expect(await run(['sh', '-c', 'kill -KILL $$']).exit).toBe(137);
  });

  it('runs the argv as given, whatever the environment says of SHELL and PATH', async () => {
    const r = run(['/bin/sh', '-c', 'echo "$SHELL|$PATH|$1"', 'x', "it's $HOME"], { SHELL: '/nonexistent', PATH: '/nowhere' });
    expect(await r.exit).toBe(0);
    expect(r.out()).toBe("/nonexistent|/nowhere|it's $HOME\r\n");
  });

  it('echoes what is typed; Enter (CR) ends a line, Ctrl-C interrupts the foreground command, Ctrl-D ends the shell', async () => {
    const r = run(['sh'], { PATH: process.env.PATH!, PS1: '> ' });
    const type = (s: string) => r.p.stdin!.write(s);
    await waitFor('prompt', async () => r.out() === '> ', 10_000);
    type("echo hi\r");
    await waitFor('hi', async () => r.out().endsWith('hi\r\n> '), 10_000);
    type('sleep 30\r');
    await waitFor('sleep started', async () => {
      const t = terminalProcess(r.p.pid!);
      return !!t && fs.readFileSync(`/proc/${t.pid}/task/${t.pid}/children`, 'utf8').trim() !== '';
    }, 10_000);
    type('\x03');
    await waitFor('interrupted', async () => r.out().endsWith('^C\r\n> '), 10_000);
    type('\x04');
    // The shell ends with the status of its last command: the interrupted sleep's.
    expect(await r.exit).toBe(130);
    expect(r.out()).toBe('> echo hi\r\nhi\r\n> sleep 30\r\n^C\r\n> \r\n');
  });
});

describe('tty: sizes and signals go to the command on the terminal', { timeout: 30_000 }, () => {
  it('applies sizes one after the other: the last one asked for is the one it has', async () => {
    const r = run(['sh', '-c', 'read x; stty size'], { PATH: process.env.PATH! });
    await waitFor('on its terminal', async () => !!terminalProcess(r.p.pid!), 10_000);
    // As kubectl attaching: a larger size, then the real one, then a resize, all at once.
    for (const [c, r2] of [[101, 31], [100, 30], [90, 20], [120, 40], [80, 24]]) resizeTerminal(r.p.pid!, c, r2);
    await new Promise((res) => setTimeout(res, 500));
    r.p.stdin!.write('\r');
    expect(await r.exit).toBe(0);
    expect(r.out()).toBe('\r\n24 80\r\n');
  });

  it('ignores sizes that are not positive integers under 10000', async () => {
    const r = run(['sh', '-c', 'read x; stty size'], { PATH: process.env.PATH! }, { cols: 50, rows: 10 });
    await waitFor('on its terminal', async () => !!terminalProcess(r.p.pid!), 10_000);
    for (const [c, r2] of [[0, 5], [5, -1], [1.5, 3], [10_000, 3], [NaN, 2]]) resizeTerminal(r.p.pid!, c, r2);
    await new Promise((res) => setTimeout(res, 300));
    r.p.stdin!.write('\r');
    await r.exit;
    expect(r.out()).toBe('\r\n10 50\r\n');
  });

  it('SIGTERM reaches the command (which may trap it), not the relay (which would answer for it)', async () => {
    const r = run(['sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
    await waitFor('ready', async () => r.out() === 'ready\r\n', 10_000);
    signalTerminal(r.p, 'SIGTERM');
    expect(await r.exit).toBe(7);
    expect(r.out()).toBe('ready\r\ngot TERM\r\n');
  });

  it('SIGKILL ends the command: exit code 137, as a runtime reports it', async () => {
    const r = run(['sh', '-c', 'trap "" TERM HUP; echo ready; while :; do sleep 0.05; done']);
    await waitFor('ready', async () => r.out() === 'ready\r\n', 10_000);
    signalTerminal(r.p, 'SIGKILL');
    expect(await r.exit).toBe(137);
  });
});
