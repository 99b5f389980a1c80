// Shared by the benchmarks: bounded load runs, child servers, tables with ratios.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SECONDS = Number(process.env.KIADA_BENCH_SECONDS ?? 5);

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** A bounded autocannon run: `seconds` long, never more than `maxRequests`. */
export async function load(url: string, connections: number, seconds = SECONDS, maxRequests = 5_000_000): Promise<Load> {
  const r = await autocannon({ url, connections, duration: seconds, amount: undefined, timeout: 10, maxOverallRequests: maxRequests } as autocannon.Options);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
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
