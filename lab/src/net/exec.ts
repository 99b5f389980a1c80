// Runs the system commands the dataplane is made of (ip, nsenter), surfacing the failing command line.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class CommandError extends Error {}

/** Where `cmd` is on the PATH, as sh's `command -v` finds it (the first executable file; looked up, not run). */
export function findOnPath(cmd: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(':')) {
    const p = path.join(dir || '.', cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** `input`: what the command reads on its stdin (an `ip -batch -`'s commands); it is said with a failure. */
export function run(cmd: string, args: string[], timeoutMs = 10_000, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const fed = input ? ` (${input.trimEnd().split('\n').join('; ')})` : '';
      if (err) reject(new CommandError(`\`${cmd} ${args.join(' ')}\`${fed} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    child.stdin!.on('error', () => {}); // an early exit is reported by the callback
    child.stdin!.end(input ?? '');
  });
}

export const ip = (...args: string[]) => run('ip', args);

/** `ip -batch` input: one command a line. */
export const batchText = (lines: string[][]) => lines.map((l) => `${l.join(' ')}\n`).join('');

/** Several `ip` commands in one process (`ip [-n NS] -batch -`): it stops at the first that fails. */
export async function ipBatch(netns: string | undefined, lines: string[][], timeoutMs = 10_000): Promise<void> {
  await run('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], timeoutMs, batchText(lines));
}
