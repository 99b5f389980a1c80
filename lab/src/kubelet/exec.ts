// exec and attach, the kubelet's side: a process started in the pod's namespaces (with a pseudo-terminal for
// -t), or the running container's output and stdin. The API's stream code speaks the protocols around them.
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { Dataplane, Sandbox } from '../net/index.ts';
import type { ContainerIO } from './types.ts';
import { resizePty } from './tty.ts';
import { exitCodeOf } from '../exit-code.ts';
import { whyNotFound } from './start-check.ts';
import { ApiError } from '../store/index.ts';

// How long a -t exec waits for the client's terminal size before starting without it.
const FIRST_SIZE_WAIT_MS = 300;

/** `containerEnv`: the environment the container's own process got (a runtime execs with the same). */
export function execInSandbox(dp: Dataplane, sandbox: Sandbox, containerEnv: Record<string, string>, argv: string[], o: { stdin: boolean; tty: boolean }): ContainerIO {
  const env: Record<string, string> = { ...containerEnv, TERM: o.tty ? 'xterm' : 'dumb' };
  checkExec(argv, env);
  if (!o.tty) {
    const proc = dp.spawnInSandbox(sandbox, argv, { env, stdin: o.stdin });
    return { stdin: proc.stdin, stdout: proc.stdout!, stderr: proc.stderr!, resize() {}, exitCode: exited(proc), kill: () => proc.kill('SIGKILL') };
  }
  // A pseudo-terminal without native addons: util-linux's `script` allocates one and runs the command in it.
  // Clients send their terminal size first thing: the command starts once it is there (or after a short wait),
  // sized from its first instant, as a runtime creates the console with the size it was given.
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let proc: ChildProcess | undefined;
  let killed = false;
  let onExit!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (onExit = resolve));
  const start = (size?: { cols: number; rows: number }) => {
    clearTimeout(timer);
    if (proc || killed) return;
    const command = size ? `stty cols ${size.cols} rows ${size.rows} 2>/dev/null; exec ${quoted}` : quoted;
    let p: ChildProcess;
    try {
      p = proc = dp.spawnInSandbox(sandbox, ['script', '-qfec', command, '/dev/null'], { env, stdin: true });
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
      // The size goes into a shell command line: integers only, whoever calls.
      if (!(Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0 && cols < 10_000 && rows < 10_000)) return;
      if (!proc) start({ cols, rows });
      else if (proc.pid) resizePty(proc.pid, cols, rows);
    },
    exitCode,
    kill() {
      killed = true;
      clearTimeout(timer);
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

/** The container's output from now on (`live` emits it as it happens) and, with -i, its stdin. */
export function attachTo(proc: ChildProcess, live: EventEmitter, o: { stdin: boolean }): ContainerIO {
  const out = new PassThrough();
  const forward = (d: Buffer | string) => out.write(d);
  live.on('data', forward);
  const exitCode = new Promise<number>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.off('data', forward);
      // Let the last output through before the stream ends.
      setImmediate(() => out.end());
      resolve(exitCodeOf(code, signal));
    });
  });
  return {
    stdin: o.stdin && proc.stdin ? proc.stdin : null,
    stdout: out,
    stderr: null,
    resize() {},
    exitCode,
    kill: () => live.off('data', forward),
  };
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
