// Terminal sizes for `exec -t`: the command runs under util-linux `script`, which gives it a pseudo-terminal.
// A resize sets that terminal's size with `stty -F /dev/pts/N` (the kernel then signals SIGWINCH), N being
// the terminal the command under `script` has as its stdin.
import fs from 'node:fs';
import { execFile } from 'node:child_process';

function ptyOf(scriptPid: number): string | undefined {
  try {
    const children = fs.readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const child of children) {
      const target = fs.readlinkSync(`/proc/${child}/fd/0`);
      if (target.startsWith('/dev/pts/')) return target;
    }
  } catch {
    /* not started yet, or already gone */
  }
  return undefined;
}

/** Applies the size, retrying briefly: kubectl sends the first size before the command has started. */
export function resizePty(scriptPid: number, cols: number, rows: number, attempts = 20): void {
  if (!(cols > 0 && rows > 0 && cols < 10_000 && rows < 10_000)) return;
  const pty = ptyOf(scriptPid);
  if (!pty) {
    if (attempts > 0) setTimeout(() => resizePty(scriptPid, cols, rows, attempts - 1), 25);
    return;
  }
  execFile('stty', ['-F', pty, 'cols', String(cols), 'rows', String(rows)], () => {});
}
