// Shared by the benchmarks: bounded load runs, child servers, tables with ratios.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SECONDS = Number(process.env.KIADA_BENCH_SECONDS ?? 5);

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Requests answered in all. */
  requests: number;
}

/** A bounded autocannon run: `seconds` long, never more than `maxRequests`. */
export async function load(url: string, connections: number, seconds = SECONDS, maxRequests = 5_000_000): Promise<Load> {
  const r = await autocannon({ url, connections, duration: seconds, amount: undefined, timeout: 10, maxOverallRequests: maxRequests } as autocannon.Options);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, requests: r.requests.total };
}

/** MB/s of one echo round trip of `payload` through host:port (the echo pod, directly or through a forward). */
export function echoRoundTripMBps(host: string, port: number, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let got = 0;
    // No half-close: client-node's channel protocol cannot carry one, so the client closes once all is back.
    const s = net.connect({ port, host }, () => s.write(payload));
    s.on('data', (c) => {
      got += c.length;
      if (got >= payload.length) {
        s.destroy();
        resolve(payload.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9));
      }
    });
    s.on('end', () => got < payload.length && reject(new Error(`echo returned ${got} of ${payload.length} bytes`)));
    s.on('error', reject);
  });
}

export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Starts a child server; its stdout goes through a pipe to a separate `cat` process writing a temp file (as a
 * container runtime drains a container's stdout), so the logging cost counts but the benchmark's own process
 * does not spend CPU reading it. Resolves once `ready` shows up in that output.
 */
export async function startChild(argv: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const file = path.join(os.tmpdir(), `kiada-bench-out-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const sink = spawn('sh', ['-c', 'cat > "$0"', file], { stdio: ['pipe', 'ignore', 'inherit'] });
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', sink.stdin!, 'inherit'], env: { ...process.env, ...env } });
  child.once('exit', () => {
    sink.stdin!.destroy();
    setTimeout(() => fs.rmSync(file, { force: true }), 200);
  });
  const end = Date.now() + 15_000;
  for (;;) {
    let out = '';
    try {
      out = fs.readFileSync(file, 'utf8');
    } catch {
      /* not there yet */
    }
    const m = ready.exec(out);
    if (m) return { child, match: m };
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`${argv.join(' ')} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export const ratio = (ours: number, ref: number) => (ref > 0 ? `${(ours / ref).toFixed(2)}×` : 'n/a');
export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function table(head: string[], rows: (string | number)[][]): string {
  const lines = [head, head.map(() => '---'), ...rows.map((r) => r.map(String))];
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n') + '\n';
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One goal of the benchmarks (issue 15 and the existing targets), a row of the summary that `npm run bench`
 * prints at the end and puts at the top of RESULTS.md. `value` is ours, in `unit`; `reference` names what it is
 * compared with (and its figure); `ratio` is value/reference when there is one; `target` says the goal in words
 * ("≤ 1.0× kubectl", "≤ 5 MB"), '' for a figure only reported; `met` whether this run met it. Build rows with
 * `vsReference`, `limit` or `report`.
 */
export interface Goal {
  measure: string;
  value: number;
  unit: string;
  reference?: string;
  ratio?: number;
  target: string;
  met: boolean;
}

/** What a benchmark's `run()` returns: its section of RESULTS.md ("### Title" first) and its goal rows. */
export interface Section {
  text: string;
  goals: Goal[];
}

/**
 * A goal on a ratio to a reference measured in the same run: `value / refValue` `op` `bound`, e.g.
 * vsReference('port-forward MB/s', 'MB/s', 140, 'kubectl port-forward', 130, '>=', 1.0).
 */
export function vsReference(measure: string, unit: string, value: number, refName: string, refValue: number, op: '<=' | '>=', bound = 1.0): Goal {
  const r = refValue > 0 ? value / refValue : NaN;
  return {
    measure, value, unit, reference: `${refName}: ${fmtUnit(refValue, unit)}`, ratio: r,
    target: `${op === '<=' ? '≤' : '≥'} ${bound.toFixed(2)}× ${refName}`,
    met: Number.isFinite(r) && (op === '<=' ? r <= bound : r >= bound),
  };
}

/** A goal on an absolute figure: `value` `op` `bound` (in `unit`); `reference`, if given, is only shown. */
export function limit(measure: string, unit: string, value: number, op: '<=' | '>=' | '<', bound: number, reference?: string): Goal {
  const met = Number.isFinite(value) && (op === '<=' ? value <= bound : op === '<' ? value < bound : value >= bound);
  return { measure, value, unit, reference, target: `${op === '<=' ? '≤' : op === '<' ? '<' : '≥'} ${fmtUnit(bound, unit)}`, met };
}

/** A figure only reported beside a reference, with no goal on it (the summary shows its ratio, no target). */
export function report(measure: string, unit: string, value: number, refName: string, refValue: number): Goal {
  return { measure, value, unit, reference: `${refName}: ${fmtUnit(refValue, unit)}`, ratio: refValue > 0 ? value / refValue : NaN, target: '', met: true };
}

const fmtUnit = (n: number, unit: string) => `${Number.isInteger(n) || Math.abs(n) >= 100 ? fmt(n) : fmt(n, Math.abs(n) >= 10 ? 1 : 2)} ${unit}`;

/** The summary: one row per goal, its section first. */
export function goalTable(goals: (Goal & { section: string })[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  return table(['section', 'measure', 'value', 'reference', 'ratio', 'target', 'met'], goals.map((g) => [
    g.section, cell(g.measure), fmtUnit(g.value, g.unit), cell(g.reference ?? ''), g.ratio === undefined ? '' : Number.isFinite(g.ratio) ? `${g.ratio.toFixed(2)}×` : 'n/a', g.target || '(reported)', !g.target ? '' : g.met ? 'met' : '**not met**',
  ]));
}
