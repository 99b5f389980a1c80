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

// Once process.stdout has had to take over (below), everything goes through it: a later write straight to fd 1
// could pass what it still holds.
let throughStream = false;

/**
 * Writes to fd 1 as process.stdout does on Linux and macOS — synchronously, to a file, a pipe or a terminal — without
 * making process.stdout, which costs a command like `kiada pod-ip | …` ~1.3 ms of its start. Should the fd not take
 * it all at once (a non-blocking pipe), process.stdout writes the rest, and all that comes after.
 */
function writeStdout(data: string | Uint8Array): void {
  if (throughStream) return void process.stdout.write(data);
  let rest: Uint8Array = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    while (rest.length) rest = rest.subarray(fs.writeSync(1, rest));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    throughStream = true;
    process.stdout.write(rest);
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
    out: (text) => (opts.stdout ? void opts.stdout.write(text) : process.platform === 'win32' ? void process.stdout.write(text) : writeStdout(text)),
    info: (text) => void stderr().write(text),
  };
}

/** Data as `-o json` or `-o yaml` print it, kubectl-style: JSON indented by two, YAML as the yaml package writes it. */
export function formatData(format: 'json' | 'yaml', data: unknown): string {
  if (format === 'json') return JSON.stringify(data, null, 2) + '\n';
  // yaml is required when -o yaml asks for it: every command prints, few print YAML (it is ~5 ms of a start-up).
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  return (require('yaml') as typeof import('yaml')).stringify(data);
}

