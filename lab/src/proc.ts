// Who a PID is: its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) and its command line.
// A PID alone is not an identity: after the process ends the kernel hands the number to another one. The lab
// trusts a recorded PID (to report it running, to signal it, to enter its namespaces) only while both match.
import fs from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  startTime: string;
  cmdline: string[];
}

export function processIdentity(pid: number): ProcessIdentity | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); field 22 is fields[19]. A zombie has run its course: it is not the process.
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline.at(-1) === '') cmdline.pop();
    return { pid, startTime: fields[19], cmdline };
  } catch {
    return null;
  }
}

/** True while `pid` is still the process that was recorded: same start time, same command line. */
export function isSameProcess(p: ProcessIdentity | undefined | null): boolean {
  if (!p) return false;
  const now = processIdentity(p.pid);
  return !!now && now.startTime === p.startTime && now.cmdline.length === p.cmdline.length && now.cmdline.every((a, i) => a === p.cmdline[i]);
}

/** Signals the recorded process only if it is still that process (never a PID that was handed to another one). */
export function signalIfSame(p: ProcessIdentity, signal: NodeJS.Signals): boolean {
  if (!isSameProcess(p)) return false;
  try {
    process.kill(p.pid, signal);
    return true;
  } catch {
    return false;
  }
}
