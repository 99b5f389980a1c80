// attach, the runtime's side (containerd's ContainerIO.Attach): the running container's output from now on (what
// came before is only in its log) and, with -i, its stdin. A session ends when the container ends, when the
// client goes, or when the client's stdin ends: then a container with stdinOnce and no terminal has its stdin
// closed for good and the session streams on until the container ends; any other container just loses this
// client and goes on (containerd closes nothing for a tty, whatever stdinOnce says). The kubelet reports every
// attach as Success: the container's exit code is in the pod's status, where `kubectl run` reads it.
import { PassThrough, Writable } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { ContainerIO } from './types.ts';
import { resizeTerminal, validSize } from './tty.ts';

/** A running container, as attach sees it. */
export interface AttachTarget {
  proc: ChildProcess;
  /** Emits 'stdout' and 'stderr' chunks as the container prints them, and 'end' once its output has ended. */
  output: EventEmitter;
  /** The container's stdin (spec.stdin), open until stdinOnce closes it. */
  stdin: Writable | null;
  tty: boolean;
  stdinOnce: boolean;
}

export function attachTo(t: AttachTarget, o: { stdin: boolean }): ContainerIO {
  const stdout = new PassThrough();
  // With a terminal there is one stream: the terminal's (the kubelet sends nothing on stderr).
  const stderr = t.tty ? null : new PassThrough();
  const onStdout = (d: string | Buffer) => stdout.write(d);
  const onStderr = (d: string | Buffer) => (stderr ?? stdout).write(d);
  t.output.on('stdout', onStdout);
  t.output.on('stderr', onStderr);
  let ended = false;
  let resolveExit!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (resolveExit = resolve));
  const end = () => {
    if (ended) return;
    ended = true;
    t.output.off('stdout', onStdout);
    t.output.off('stderr', onStderr);
    t.output.off('end', end);
    stdout.end();
    stderr?.end();
    resolveExit(0);
  };
  t.output.once('end', end);

  let stdin: Writable | null = null;
  const target = t.stdin;
  if (o.stdin && target && !target.writableEnded && !target.destroyed) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (ended || target.writableEnded || target.destroyed) return cb();
        // Back-pressure from the container's stdin reaches the client; a container gone mid-write is not an error here.
        target.write(chunk, () => cb());
      },
      final(cb) {
        if (t.stdinOnce && !t.tty) target.end();
        else end();
        cb();
      },
    });
  }
  return {
    stdin,
    stdout,
    stderr,
    resize(cols, rows) {
      if (t.tty && validSize(cols, rows) && t.proc.pid) resizeTerminal(t.proc.pid, cols, rows);
    },
    exitCode,
    // The client went: the session ends, the container does not.
    kill: end,
  };
}
