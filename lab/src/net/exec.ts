// Runs the system commands the dataplane is made of (ip, nsenter), surfacing the failing command line.
import { execFile } from 'node:child_process';

export class CommandError extends Error {}

export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new CommandError(`\`${cmd} ${args.join(' ')}\` failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

export const ip = (...args: string[]) => run('ip', args);

/** Several `ip` commands in one namespace, in one process (`ip -n NS -batch -`): it stops at the first that fails. */
export function ipBatch(netns: string, lines: string[][], timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', ['-n', netns, '-batch', '-'], { timeout: timeoutMs, encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (err) reject(new CommandError(`\`ip -n ${netns} -batch\` (${lines.map((l) => l.join(' ')).join('; ')}) failed: ${(stderr || err.message).trim()}`));
      else resolve();
    });
    child.stdin!.on('error', () => {}); // an early exit is reported by the callback
    child.stdin!.end(lines.map((l) => `${l.join(' ')}\n`).join(''));
  });
}

/** Runs a command inside a named network namespace (no mount tricks: only the network changes). */
export const inNetns = (netns: string, argv: string[]) => run('nsenter', [`--net=/run/netns/${netns}`, '--', ...argv]);
