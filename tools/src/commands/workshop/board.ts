// `kiada workshop board [--interval 1s] [-o json|yaml]`: students × exercises. On a terminal the table is redrawn in
// place every interval until Ctrl-C; piped, it is printed once and then one line per exercise as it gets done;
// with -o it is printed once as data. Marks only gain: once seen done, an exercise stays done for the session.
import { clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import type { V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../../lib/context.ts';
import { describeError } from '../../lib/errors.ts';
import { formatData } from '../../lib/print.ts';
import { onStopSignal } from '../../lib/signals.ts';
import { nodeFacts, studentMarks } from '../../lib/workshop/marks.ts';
import { pool } from '../../lib/workshop/pool.ts';
import { workshopNamespaces } from '../../lib/workshop/namespaces.ts';
import { mergeMarks, noMarks, type ClusterFacts, type Marks } from '../../lib/workshop/exercises.ts';
import { BOARD_NOTE, boardLines, newMarks, wrap, type Row } from '../../lib/workshop/board-view.ts';
import { parseDuration } from '../../lib/workshop/students.ts';

const FACTS_TTL = 30_000; // nodes change rarely: their addresses and pod CIDRs are read every 30 s

/** Looks at the cluster again and again, keeping what was seen; `look()` gives the rows as they stand. */
export function boardWatcher(ctx: Ctx) {
  const seen = new Map<string, Marks>();
  const lastLook = new Map<string, number>();
  let facts: ClusterFacts | undefined;
  let factsAt = 0;
  return async function look(): Promise<Row[]> {
    const started = Date.now();
    if (!facts || started - factsAt > FACTS_TTL) {
      facts = await nodeFacts(ctx);
      factsAt = started;
    }
    const namespaces = (await workshopNamespaces(ctx)).map((ns) => ns.metadata!.name!);
    // One list for every student's pods rather than one per student.
    const pods: V1Pod[] = namespaces.length ? (await ctx.core.listPodForAllNamespaces()).items : [];
    return pool(namespaces, 8, async (name) => {
      const before = lastLook.get(name);
      // After the first look only the log's newest part (since the last look, and a margin) is read.
      const since = before === undefined ? undefined : Math.ceil((started - before) / 1000) + 2;
      const now = await studentMarks(ctx, name, facts!, pods.filter((p) => p.metadata?.namespace === name), since);
      lastLook.set(name, started);
      const merged = mergeMarks(seen.get(name) ?? noMarks(), now);
      seen.set(name, merged);
      return { name, exercises: merged };
    });
  };
}

export async function board(ctx: Ctx, flags: { interval: string; output?: 'json' | 'yaml' }): Promise<number> {
  const intervalMs = Math.max(100, parseDuration('--interval', flags.interval) * 1000);
  const look = boardWatcher(ctx);
  if (flags.output) {
    ctx.print.out(formatData(flags.output, { students: await look() }));
    return 0;
  }
  const out = process.stdout;
  const tty = !!out.isTTY;
  let stopped: number | null = null;
  let wake = () => {};
  const removeSignals = onStopSignal((_s, code) => {
    stopped = code;
    wake();
  });
  let drawn = 0;
  let previous: Row[] | null = null;
  let lastError = '';
  if (tty) out.write('\x1b[?25l'); // no cursor blinking over the table
  try {
    while (stopped === null) {
      let rows: Row[] | null = null;
      let error = '';
      try {
        rows = await look();
      } catch (err) {
        error = describeError(err);
      }
      if (stopped !== null) break;
      if (tty) {
        const time = new Date().toTimeString().slice(0, 8);
        // One column short of the terminal's width: a full line would wrap on some terminals and break the redraw.
        const width = Math.max(20, (out.columns || 80) - 1);
        const table = rows ?? previous ? boardLines(rows ?? previous!, { width }) : [];
        const lines = [`kiada workshop board — every ${flags.interval}, ${time} (Ctrl-C to stop)`, '', ...table, '', ...wrap(error || BOARD_NOTE, width)];
        // Redrawn where the last frame was: up to its first line, each line cleared to its end, the rest below cleared.
        if (drawn) moveCursor(out, 0, -drawn);
        cursorTo(out, 0);
        for (const l of lines) out.write([...l].slice(0, width).join('') + '\x1b[K\n');
        clearScreenDown(out);
        drawn = lines.length;
      } else if (rows) {
        if (!previous) ctx.print.out(boardLines(rows, { done: 'yes', todo: '-' }).join('\n') + '\n');
        else for (const [name, exercise] of newMarks(previous, rows)) ctx.print.out(`${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')} ${name} ${exercise}\n`);
      } else if (error !== lastError) {
        ctx.print.info(`${error}\n`);
      }
      lastError = error;
      if (rows) previous = rows;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    removeSignals();
    if (tty) out.write('\x1b[?25h');
  }
  return stopped ?? 0;
}
