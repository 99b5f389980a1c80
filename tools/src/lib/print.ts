// Output conventions: data on stdout; the kubectl command we stand for, dimmed, and errors on stderr.
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { styleText } from 'node:util';
import { shellJoin } from './shell.ts';

export interface Printer {
  /** The real command this step stands for (hidden by --quiet). */
  command(argv: string[]): void;
  /** Data on stdout: text, or bytes as they came (exec's output). */
  out(data: string | Uint8Array): void;
  info(text: string): void;
}

// Once process.stdout (process.stderr) has had to take over (below), everything for fd 1 (2) goes through it: a later
// write straight to the fd could pass what it still holds.
const throughStream = { 1: false, 2: false };

/**
 * Writes to fd 1 or 2 as process.stdout and process.stderr do on Linux and macOS — synchronously, to a file, a pipe or
 * a terminal — without making them, which costs a command like `kiada pod-ip | …` ~1.3 ms of its start each. Should
 * the fd not take it all at once (a non-blocking pipe), the stream writes the rest, and all that comes after.
 */
function writeFd(fd: 1 | 2, data: string | Uint8Array): void {
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  if (throughStream[fd] || process.platform === 'win32') return void stream().write(data);
  let rest: Uint8Array = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    while (rest.length) rest = rest.subarray(fs.writeSync(fd, rest));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    throughStream[fd] = true;
    stream().write(rest);
  }
}

export function createPrinter(opts: { quiet?: boolean; stdout?: Writable; stderr?: Writable } = {}): Printer {
  // process.stderr too is made when first written to, not here.
  const stderr = () => opts.stderr ?? process.stderr;
  return {
    command(argv) {
      // Dim only where Node would colour: a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR anywhere.
      if (!opts.quiet) stderr().write(styleText('dim', `$ ${shellJoin(argv)}`, { stream: stderr() }) + '\n');
    },
    out: (data) => (opts.stdout ? void opts.stdout.write(data) : writeFd(1, data)),
    info: (text) => (opts.stderr ? void opts.stderr.write(text) : writeFd(2, text)),
  };
}

/** Data as `-o json` or `-o yaml` print it, kubectl-style: JSON indented by two, YAML as the yaml package writes it. */
export function formatData(format: 'json' | 'yaml', data: unknown): string {
  if (format === 'json') return JSON.stringify(data, null, 2) + '\n';
  // yaml is required when -o yaml asks for it: every command prints, few print YAML (it is ~5 ms of a start-up).
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  return (require('yaml') as typeof import('yaml')).stringify(data);
}

