// The board as text: one row per student, one column per exercise (✓ done, · not yet), and a last line saying
// how exercises that look alike from outside are told apart.
import { alignColumns } from '../kubectl-print.ts';
import { EXERCISES, type Marks } from './exercises.ts';

export interface Row {
  name: string;
  exercises: Marks;
}

export const BOARD_NOTE = 'port-forward: requests from 127.0.0.1 (also `exec -- curl 127.0.0.1:8080`); exec: from ::1 or the pod\'s own IP; logs leave no trace to mark';

export function boardLines(rows: Row[], o: { done?: string; todo?: string } = {}): string[] {
  const done = o.done ?? '✓';
  const todo = o.todo ?? '·';
  const header = ['STUDENT', ...EXERCISES.map((e) => e.toUpperCase()), 'DONE'];
  const cells = rows.map((r) => [r.name, ...EXERCISES.map((e) => (r.exercises[e] ? done : todo)), `${EXERCISES.filter((e) => r.exercises[e]).length}/${EXERCISES.length}`]);
  // Aligned as kubectl aligns its tables (✓ and · are one column each).
  return alignColumns([header, ...cells]).slice(0, -1).split('\n');
}

/** The marks that turned true between two looks: `<student> <exercise>` lines for a log, in board order. */
export function newMarks(before: Row[], after: Row[]): [string, string][] {
  const prev = new Map(before.map((r) => [r.name, r.exercises]));
  const out: [string, string][] = [];
  for (const r of after) for (const e of EXERCISES) if (r.exercises[e] && !prev.get(r.name)?.[e]) out.push([r.name, e]);
  return out;
}
