// exec and attach, the kubelet's side: a process started in the pod's namespaces (with a pseudo-terminal for
// -t), or the running container's output and stdin. The API's stream code speaks the protocols around them.
import { PassThrough } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { Obj } from '../store/index.ts';
import type { Dataplane, Sandbox } from '../net/index.ts';
import type { ContainerIO } from './types.ts';
import { resizePty } from './tty.ts';

export function execInSandbox(dp: Dataplane, sandbox: Sandbox, podName: string, container: Obj, argv: string[], o: { stdin: boolean; tty: boolean }): ContainerIO {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: podName, HOME: '/root', TERM: o.tty ? 'xterm' : 'dumb' };
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = String(e.value);
  // A pseudo-terminal without native addons: util-linux's `script` allocates one and runs the command in it.
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const full = o.tty ? ['script', '-qfec', quoted, '/dev/null'] : argv;
  const proc = dp.spawnInSandbox(sandbox, full, { env, stdin: o.stdin || o.tty });
  const exitCode = new Promise<number>((resolve) => {
    proc.once('error', () => resolve(126));
    proc.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  return {
    stdin: proc.stdin,
    stdout: proc.stdout!,
    stderr: o.tty ? null : proc.stderr!,
    resize(w, h) {
      if (o.tty && proc.pid) resizePty(proc.pid, w, h);
    },
    exitCode,
    kill: () => proc.kill('SIGKILL'),
  };
}

/** The container's output from now on (`live` emits it as it happens) and, with -i, its stdin. */
export function attachTo(proc: ChildProcess, live: EventEmitter, o: { stdin: boolean }): ContainerIO {
  const out = new PassThrough();
  const forward = (d: Buffer | string) => out.write(d);
  live.on('data', forward);
  const exitCode = new Promise<number>((resolve) => {
    proc.once('exit', (code) => {
      live.off('data', forward);
      // Let the last output through before the stream ends.
      setImmediate(() => out.end());
      resolve(code ?? 1);
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
