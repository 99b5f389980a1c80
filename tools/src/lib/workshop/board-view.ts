// The board as text: one row per student, one column per exercise (✓ done, · not yet), and a last line saying
// how exercises that look alike from outside are told apart.
import { alignColumns } from '../kubectl-print.ts';
import { EXERCISES, type Marks } from './exercises.ts';

export interface Row {
  name: string;
  exercises: Marks;
}

// The book's `kubectl exec kiada -- curl -s localhost:8080` is an exec only where the pod's curl tries ::1 first; the
// lab's pods run this machine's curl (Debian's 7.88 tries 127.0.0.1 first), so there it looks like a port-forward.
export const BOARD_NOTE = 'port-forward: requests from 127.0.0.1 (also an exec\'d `curl 127.0.0.1:8080`, and `curl localhost:8080` where curl tries 127.0.0.1 first, as on the lab); exec: from ::1 or the pod\'s own IP (`curl [::1]:8080`); logs leave no trace to mark';

// Shorter headers for a terminal too narrow for the full ones (88 columns with student1…9): an 80-column one
// would otherwise cut EXEC and DONE off.
const SHORT: Record<string, string> = { 'curl-from-node': 'FROM-NODE', 'curl-from-pod': 'FROM-POD', 'port-forward': 'PORT-FWD' };

export function boardLines(rows: Row[], o: { done?: string; todo?: string; width?: number } = {}): string[] {
  const done = o.done ?? '✓';
  const todo = o.todo ?? '·';
  const cells = rows.map((r) => [r.name, ...EXERCISES.map((e) => (r.exercises[e] ? done : todo)), `${EXERCISES.filter((e) => r.exercises[e]).length}/${EXERCISES.length}`]);
  // Aligned as kubectl aligns its tables (✓ and · are one column each).
  const table = (name: (e: string) => string) => alignColumns([['STUDENT', ...EXERCISES.map(name), 'DONE'], ...cells]).slice(0, -1).split('\n');
  const full = table((e) => e.toUpperCase());
  if (o.width === undefined || full.every((l) => [...l].length <= o.width!)) return full;
  return table((e) => SHORT[e] ?? e.toUpperCase());
}

/** Text broken at spaces into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** The marks that turned true between two looks: `<student> <exercise>` lines for a log, in board order. */
export function newMarks(before: Row[], after: Row[]): [string, string][] {
  const prev = new Map(before.map((r) => [r.name, r.exercises]));
  const out: [string, string][] = [];
  for (const r of after) for (const e of EXERCISES) if (r.exercises[e] && !prev.get(r.name)?.[e]) out.push([r.name, e]);
  return out;
}
