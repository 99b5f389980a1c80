// exec, the kubelet's side: a process in a running container (it joins the container's namespaces, root, user and
// privileges, as runc exec does), with a pseudo-terminal for -t (tty.ts). The API's stream code speaks the
// protocols around it.
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Dataplane, ExecProcess } from '../net/index.ts';
import type { ContainerIO } from './types.ts';
import { resizeTerminal, spawnInTerminal, validSize, type Spawn, type TerminalSize } from './tty.ts';
import { exitCodeOf } from '../exit-code.ts';
import { ApiError } from '../store/index.ts';

// How long a -t exec waits for the client's terminal size before starting without it.
const FIRST_SIZE_WAIT_MS = 300;

/**
 * `container`: the running container's process; `containerEnv`: the environment it got (a runtime execs with the
 * same). A command runc does not find (looked up inside the container) makes `exitCode` reject with the kubelet's
 * InternalError.
 */
export function execInContainer(dp: Dataplane, container: ChildProcess, containerEnv: Record<string, string>, argv: string[], o: { stdin: boolean; tty: boolean }): ContainerIO {
  // As containerd: TERM=xterm for a terminal, nothing added otherwise.
  const env: Record<string, string> = o.tty ? { ...containerEnv, TERM: 'xterm' } : containerEnv;
  // runc looks up the command, also when it runs under the terminal's relay.
  let started: ExecProcess | undefined;
  const spawn: Spawn = (a, opts) => (started = dp.execInContainer(container, a, { env: opts.env, stdin: opts.stdin, lookup: argv[0] ?? '' }));
  if (!o.tty) {
    const proc = spawn(argv, { env, stdin: o.stdin });
    return { stdin: proc.stdin, stdout: proc.stdout!, stderr: proc.stderr!, resize() {}, exitCode: exitOrFailure(started!), kill: () => proc.kill('SIGKILL') };
  }
  // Clients send their terminal size first thing: the command starts once it is there (or after a short wait),
  // sized from its first instant, as a runtime creates the console with the size it was given.
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let proc: ChildProcess | undefined;
  let killed = false;
  let onExit!: (code: number) => void;
  let onFailure!: (err: Error) => void;
  const exitCode = new Promise<number>((resolve, reject) => {
    onExit = resolve;
    onFailure = reject;
  });
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
    exitOrFailure(started!).then(onExit, (err) => {
      stdout.end();
      onFailure(err);
    });
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
 * The exec's exit code; or, when runc would not start the command, the kubelet's InternalError Status with
 * containerd's and runc's words (kind: containerd 2, runc 1.2), which kubectl prints as `error: Internal error
 * occurred: …` and exits 1. An exec has a random 64-hex id.
 */
function exitOrFailure(proc: ExecProcess): Promise<number> {
  const exit = exited(proc);
  return proc.started.then(
    () => exit,
    (why: Error) => {
      const err = `error executing command in container: failed to exec in container: failed to start exec ${JSON.stringify(randomBytes(32).toString('hex'))}: ` +
        `OCI runtime exec failed: exec failed: unable to start container process: ${why.message}: unknown`;
      throw new ApiError(500, 'InternalError', `Internal error occurred: ${err}`, { causes: [{ message: err }] });
    },
  );
}
