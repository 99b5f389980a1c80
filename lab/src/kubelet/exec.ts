// exec, the kubelet's side: a process started in the pod's namespaces, with a pseudo-terminal for -t (tty.ts).
// The API's stream code speaks the protocols around it.
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Dataplane, Sandbox } from '../net/index.ts';
import type { ContainerIO } from './types.ts';
import { resizeTerminal, spawnInTerminal, validSize, type Spawn, type TerminalSize } from './tty.ts';
import { exitCodeOf } from '../exit-code.ts';
import { whyNotFound } from './start-check.ts';
import { ApiError } from '../store/index.ts';

// How long a -t exec waits for the client's terminal size before starting without it.
const FIRST_SIZE_WAIT_MS = 300;

/** `containerEnv`: the environment the container's own process got (a runtime execs with the same). */
export function execInSandbox(dp: Dataplane, sandbox: Sandbox, containerEnv: Record<string, string>, argv: string[], o: { stdin: boolean; tty: boolean }): ContainerIO {
  const env: Record<string, string> = { ...containerEnv, TERM: o.tty ? 'xterm' : 'dumb' };
  checkExec(argv, env);
  const spawn: Spawn = (a, opts) => dp.spawnInSandbox(sandbox, a, opts);
  if (!o.tty) {
    const proc = spawn(argv, { env, stdin: o.stdin });
    return { stdin: proc.stdin, stdout: proc.stdout!, stderr: proc.stderr!, resize() {}, exitCode: exited(proc), kill: () => proc.kill('SIGKILL') };
  }
  // Clients send their terminal size first thing: the command starts once it is there (or after a short wait),
  // sized from its first instant, as a runtime creates the console with the size it was given.
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let proc: ChildProcess | undefined;
  let killed = false;
  let onExit!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (onExit = resolve));
  const start = (size?: TerminalSize) => {
    clearTimeout(timer);
    if (proc || killed) return;
    let p: ChildProcess;
    try {
      p = proc = spawnInTerminal(spawn, argv, { env }, size);
    } catch (err) {
      // Started from a timer or a resize message: nobody up the stack would catch it.
      stdout.end(`${(err as Error).message}\r\n`);
      onExit(126);
      return;
    }
    stdin.pipe(p.stdin!);
    p.stdin!.on('error', () => {});
    p.stdout!.pipe(stdout);
    void exited(p).then(onExit);
  };
  const timer = setTimeout(() => start(), FIRST_SIZE_WAIT_MS);
  return {
    stdin,
    stdout,
    stderr: null,
    resize(cols, rows) {
      if (!validSize(cols, rows)) return;
      if (!proc) start({ cols, rows });
      else if (proc.pid) resizeTerminal(proc.pid, cols, rows);
    },
    exitCode,
    kill() {
      killed = true;
      clearTimeout(timer);
      // The relay goes: its terminal hangs up, and the command gets SIGHUP, as when a runtime closes an exec's console.
      if (proc) proc.kill('SIGKILL');
      else {
        stdout.end();
        onExit(137);
      }
    },
  };
}

function exited(proc: ChildProcess): Promise<number> {
  return new Promise<number>((resolve) => {
    proc.once('error', () => resolve(126));
    proc.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
}

/**
 * A command runc cannot find is refused before anything runs (the lab's nsenter would start and exit 127): the
 * kubelet answers with an InternalError Status holding containerd's and runc's words (kind: containerd 2, runc
 * 1.2), which kubectl prints as `error: Internal error occurred: …` and exits 1. An exec has a random 64-hex id.
 */
function checkExec(argv: string[], env: Record<string, string>): void {
  const why = whyNotFound(argv, '/', env);
  if (!why) return;
  const err = `error executing command in container: failed to exec in container: failed to start exec ${JSON.stringify(randomBytes(32).toString('hex'))}: ` +
    `OCI runtime exec failed: exec failed: unable to start container process: ${why}: unknown`;
  throw new ApiError(500, 'InternalError', `Internal error occurred: ${err}`, { causes: [{ message: err }] });
}
