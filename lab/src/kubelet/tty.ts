// Pseudo-terminals, as a runtime gives them: a container with `tty: true` gets one as its console (runc makes
// the pty's slave the process's stdin, stdout, stderr and controlling terminal), `exec -t` gets one for its
// command. Without native addons, util-linux `script` allocates the pty, makes it the controlling terminal of the
// command it runs (setsid + TIOCSCTTY) and relays between the pty's master and its own stdin/stdout.
//
// This is a layer over whatever spawns the process: the sandbox decides where a process runs, this module what
// its standard streams are. The terminal's size is set with `stty` on the command's own terminal (the kernel then
// sends it SIGWINCH), and the container's signals go to the command, never to the relay.
import fs from 'node:fs';
import { execFile, type ChildProcess } from 'node:child_process';
import { findOnPath } from '../net/index.ts';

export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  stdin?: boolean;
}
/** Starts a process somewhere (the pod's sandbox, the fake dataplane of the unit tests). */
export type Spawn = (argv: string[], opts: SpawnOptions) => ChildProcess;

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** A size that may go into a command line: integers only, whoever sent it. */
export const validSize = (cols: number, rows: number): boolean =>
  Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0 && cols < 10_000 && rows < 10_000;

// Absolute paths: the relay is started with the container's environment, whose PATH the pod spec may change. Looked
// up on the daemon's PATH when a terminal first needs them (not run, nor at the daemon's start).
const programs = new Map<string, string>();
const which = (cmd: string): string => {
  let p = programs.get(cmd);
  if (!p) programs.set(cmd, (p = findOnPath(cmd) ?? cmd));
  return p;
};
const SCRIPT = () => which('script');
const STTY = () => which('stty');

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The relay command that runs `argv` with a new pseudo-terminal as its stdin, stdout, stderr and controlling
 * terminal, of `size` from its first instant (without one it is 0x0, as a runtime's console before its first
 * resize); and the environment to start it with. Whatever starts processes (a sandbox, a container runtime, a
 * plain spawn) starts this instead of `argv`, with its stdin a pipe: what is written there is typed on the
 * terminal (its end types the terminal's EOF character), its stdout carries everything the terminal printed
 * (CRLF line ends, the echo of what was typed), its exit code is the command's (128 + n after signal n).
 */
export function terminalCommand(argv: string[], env: Record<string, string>, size?: TerminalSize): { argv: string[]; env: Record<string, string> } {
  // `script` runs its command with `$SHELL -c`: it must get /bin/sh, the command the environment it was given.
  const { SHELL, ...relayEnv } = env;
  let command = '';
  if (size && validSize(size.cols, size.rows)) command += `${STTY()} cols ${size.cols} rows ${size.rows} 2>/dev/null; `;
  if (SHELL !== undefined) command += `SHELL=${quote(SHELL)}; export SHELL; `;
  command += `exec ${argv.map(quote).join(' ')}`;
  return { argv: [SCRIPT(), '-qfec', command, '/dev/null'], env: relayEnv };
}

/** `spawn` starting `argv` on a terminal of its own (terminalCommand); the process returned is the relay's. */
export function spawnInTerminal(spawn: Spawn, argv: string[], opts: SpawnOptions, size?: TerminalSize): ChildProcess {
  const relay = terminalCommand(argv, opts.env, size);
  return spawn(relay.argv, { ...opts, env: relay.env, stdin: true });
}

// Unix98 pty slaves (/dev/pts/N) have majors 136 to 143, whichever devpts instance they belong to.
function isPtySlave(file: string): boolean {
  try {
    const st = fs.statSync(file);
    const major = Math.floor(st.rdev / 256) & 0xfff;
    return st.isCharacterDevice() && major >= 136 && major <= 143;
  } catch {
    return false;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const list = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    /* gone */
  }
  return out;
}

/**
 * The command on the terminal of the relay `relayPid` (which may sit under the sandbox's own wrappers): the
 * first descendant whose stdin is a pty slave, i.e. the terminal's session leader. Its stdin is reached through
 * /proc, which works whatever mount namespace its devpts lives in.
 */
export function terminalProcess(relayPid: number): { pid: number; tty: string } | undefined {
  let level = [relayPid];
  for (let depth = 0; depth < 6 && level.length; depth++) {
    const next: number[] = [];
    for (const pid of level) {
      for (const child of children(pid)) {
        if (isPtySlave(`/proc/${child}/fd/0`)) return { pid: child, tty: `/proc/${child}/fd/0` };
        next.push(child);
      }
    }
    level = next;
  }
  return undefined;
}

// The first size may come before the command is on its terminal: wait for it, briefly.
const ATTEMPTS = 20;
const RETRY_MS = 25;

// Sizes waiting to be applied, by relay: one `stty` at a time per terminal, the latest size last. kubectl sends
// two sizes at once when it attaches (one larger, then the real one, to make the program redraw); two `stty`
// running side by side could set them in the wrong order.
const resizing = new Map<number, { size: TerminalSize; pending: boolean; attempts: number }>();

/** Sets the size of the terminal of the relay `relayPid` (after the sizes asked for before it). */
export function resizeTerminal(relayPid: number, cols: number, rows: number): void {
  if (!validSize(cols, rows)) return;
  const busy = resizing.get(relayPid);
  if (busy) {
    busy.size = { cols, rows };
    busy.pending = true;
    return;
  }
  const state = { size: { cols, rows }, pending: true, attempts: ATTEMPTS };
  resizing.set(relayPid, state);
  applySize(relayPid, state);
}

function applySize(relayPid: number, state: { size: TerminalSize; pending: boolean; attempts: number }): void {
  const t = terminalProcess(relayPid);
  if (!t) {
    if (state.attempts-- > 0) setTimeout(() => applySize(relayPid, state), RETRY_MS);
    else resizing.delete(relayPid);
    return;
  }
  state.pending = false;
  const { cols, rows } = state.size;
  execFile(STTY(), ['-F', t.tty, 'cols', String(cols), 'rows', String(rows)], () => {
    if (state.pending) applySize(relayPid, state);
    else resizing.delete(relayPid);
  });
}

/**
 * Sends `signal` to the command on the relay's terminal, as a runtime signals a container's process: `script`
 * would answer a SIGTERM with its own message and a SIGTERM to its child. If the command is not (or no longer)
 * there, the relay gets it.
 */
export function signalTerminal(relay: ChildProcess, signal: NodeJS.Signals, attempts = ATTEMPTS): void {
  if (relay.exitCode !== null || relay.signalCode !== null || relay.pid === undefined) return;
  const t = terminalProcess(relay.pid);
  if (t) {
    try {
      process.kill(t.pid, signal);
      return;
    } catch {
      /* it just ended */
    }
  }
  if (!t && attempts > 0) return void setTimeout(() => signalTerminal(relay, signal, attempts - 1), RETRY_MS);
  relay.kill(signal);
}
