// The exit code a runtime (and a shell) reports for a process: its own code, or 128 + the number of the signal
// that ended it (SIGINT 130, SIGKILL 137, SIGTERM 143). Used by the kubelet, the lab's CLI paths and the tools.
import { constants } from 'node:os';

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? constants.signals[signal] : undefined;
  return n === undefined ? 128 : 128 + n;
}
