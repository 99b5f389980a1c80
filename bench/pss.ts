// What the lab's processes cost in memory: PSS (each shared page divided among the processes that map it, so
// the figures add up) from /proc/<pid>/smaps_rollup, over the daemon's process tree. Containers' own processes
// (those in a PID namespace other than the daemon's: each command is PID 1 of its own) are counted apart: they are
// the pods' cost, not the lab's.
import fs from 'node:fs';
import path from 'node:path';

export interface LabMemory {
  /** kB of PSS of the daemon and every process of its tree in its own PID namespace (agents, holders, wrappers). */
  labKb: number;
  /** kB of PSS of the containers' processes. */
  containersKb: number;
  /** The lab's processes by command name: count and kB. */
  byName: Map<string, { count: number; kb: number }>;
}

const pssKb = (pid: number): number => {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};
const pidNs = (pid: number) => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
};

/** Every process below `root` (itself included), from each process's parent in /proc/<pid>/stat. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  for (const todo = [root]; todo.length; ) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** A Node program by its script (daemon.ts, agent.mjs); anything else by its command. */
function nameOf(pid: number): string {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const script = path.basename(argv[0]) === 'node' ? argv.slice(1).find((a) => /\.(ts|mjs|js)$/.test(a)) : undefined;
    return script ? path.basename(script) : path.basename(argv[0]);
  } catch {
    return '?';
  }
}

export function labMemory(daemonPid: number): LabMemory {
  const ours = pidNs(daemonPid);
  const m: LabMemory = { labKb: 0, containersKb: 0, byName: new Map() };
  for (const pid of tree(daemonPid)) {
    const kb = pssKb(pid);
    if (pidNs(pid) !== ours) {
      m.containersKb += kb;
      continue;
    }
    m.labKb += kb;
    const name = nameOf(pid);
    const e = m.byName.get(name) ?? { count: 0, kb: 0 };
    m.byName.set(name, { count: e.count + 1, kb: e.kb + kb });
  }
  return m;
}

export const mb = (kb: number) => kb / 1024;
/** "node ×4 120.3, unshare ×11 5.1" — where the lab's memory goes. */
export const breakdown = (m: LabMemory) =>
  [...m.byName.entries()].sort((a, b) => b[1].kb - a[1].kb).map(([n, e]) => `${n} ×${e.count} ${mb(e.kb).toFixed(1)}`).join(', ');
