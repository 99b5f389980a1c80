// App throughput: kiada (express, compiled as its image runs it) vs a raw node:http handler (the ceiling) vs a book-style plain-http app,
// measured one after the other in the same run, at 1, 16 and 64 connections; then kiada's memory and tail latency
// against the raw handler's, each from fresh processes given the same requests.
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { load, startChild, stop, rssMB, ratio, fmt, table, median, vsReference, limit, SECONDS, type Load, type Section, type Goal } from './lib.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Requests per server in each memory round (at 64 connections; a round is cut after 60 s whatever the count). */
const MEMORY_REQUESTS = Number(process.env.KIADA_BENCH_MEMORY_REQUESTS ?? 500_000);
const MEMORY_ROUNDS = 3;
/** After its load, each server idles this long before its RSS is read (no GC runs while idle: RSS stays put). */
const SETTLE_MS = 2_000;
const RSS_TARGET = 1.1;
const P99_MARGIN_MS = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

/**
 * kiada as its image runs it: compiled by the Dockerfile's build-stage command, `node dist/main.js` with
 * NODE_ENV=production. Run from its .ts sources, Node's type stripping would add ~7–10 MB of RSS (its WebAssembly
 * compiler, more of it for six files than for one) that no production process pays. The directory sits beside
 * src/, as dist/ does, so that public/ and express resolve as in the image.
 */
function buildKiada(): string {
  const out = path.join(ROOT, 'apps/kiada', `dist-bench-${process.pid}`);
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'apps/kiada/tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
  return out;
}

export async function run(): Promise<Section> {
  const template = path.join(os.tmpdir(), `kiada-bench-index-${process.pid}.txt`);
  fs.writeFileSync(template, 'Kiada version {{version}}. Request processed by "{{hostname}}". Client IP: {{clientIP}}\n');
  const dist = buildKiada();
  try {
    return await measure(dist, template);
  } finally {
    fs.rmSync(dist, { recursive: true, force: true });
    fs.rmSync(template, { force: true });
  }
}

async function measure(dist: string, template: string): Promise<Section> {
  const start = {
    kiada: () => startChild([process.execPath, path.join(dist, 'main.js'), '--port', '0', '--bind', '127.0.0.1'], /Listening on port (\d+)/, { NODE_ENV: 'production' }),
    raw: () => startChild([process.execPath, path.join(ROOT, 'bench/fixtures/raw-http.mjs')], /listening (\d+)/),
    book: () => startChild([process.execPath, path.join(ROOT, 'bench/fixtures/book-style.ts'), '0', template], /listening (\d+)/),
  };
  const servers = { kiada: await start.kiada(), raw: await start.raw(), book: await start.book() };
  const rows: (string | number)[][] = [];
  const goals: Goal[] = [];
  let sustainedSeconds: number;
  let sustained: Load;
  try {
    // Warm-up: JIT and connection pools settle before anything is measured.
    for (const s of Object.values(servers)) await load(`http://127.0.0.1:${s.match[1]}/`, 64, 2);
    for (const connections of [1, 16, 64]) {
      // Two rounds, servers alternating, best of two each: on a small shared machine the load generator and
      // the servers compete for cores, and a transient stall should not decide a ratio.
      const r: Record<string, Load> = {};
      for (let round = 0; round < 2; round++) {
        for (const [name, s] of Object.entries(servers)) {
          const x = await load(`http://127.0.0.1:${s.match[1]}/`, connections);
          if (!r[name] || x.rps > r[name].rps) r[name] = x;
        }
      }
      rows.push([
        connections,
        fmt(r.kiada.rps), fmt(r.raw.rps), fmt(r.book.rps),
        ratio(r.kiada.rps, r.raw.rps), ratio(r.kiada.rps, r.book.rps),
        `${r.kiada.p50} / ${r.kiada.p99}`, `${r.raw.p50} / ${r.raw.p99}`,
        r.kiada.errors + r.kiada.non2xx,
      ]);
      if (connections > 1) goals.push(vsReference(`kiada GET / at ${connections} connections`, 'req/s', r.kiada.rps, 'raw node:http', r.raw.rps, '>=', 0.8));
      if (connections === 64) goals.push(limit('kiada p99 at 64 connections', 'ms', r.kiada.p99, '<', 5));
    }
    // Sustained: kiada alone under 64 connections for 30 s (KIADA_BENCH_SUSTAINED_SECONDS), zero errors expected.
    sustainedSeconds = Number(process.env.KIADA_BENCH_SUSTAINED_SECONDS ?? 30);
    sustained = await load(`http://127.0.0.1:${servers.kiada.match[1]}/`, 64, sustainedSeconds);
    goals.push(limit(`kiada errors + non-2xx, ${sustainedSeconds} s sustained at 64 connections`, 'errors', sustained.errors + sustained.non2xx, '<=', 0));
  } finally {
    for (const s of Object.values(servers)) await stop(s.child);
  }

  // Memory and tail latency: in each round a fresh kiada and a fresh raw server (order alternating), each given
  // the same number of requests at 64 connections, then left idle for the same time before its RSS is read.
  // Fresh processes, because RSS after load is mostly V8's young generation, which grows with the bytes that
  // survived its collections so far and does not shrink while idle: a server that got more requests before
  // (the sustained run above) would be charged for them. Median of the rounds.
  const mem: Record<'kiada' | 'raw', { idle: number[]; loaded: number[]; p99: number[]; requests: number[] }> = {
    kiada: { idle: [], loaded: [], p99: [], requests: [] },
    raw: { idle: [], loaded: [], p99: [], requests: [] },
  };
  for (let round = 0; round < MEMORY_ROUNDS; round++) {
    for (const name of round % 2 ? (['raw', 'kiada'] as const) : (['kiada', 'raw'] as const)) {
      const s = await start[name]();
      try {
        await sleep(500);
        mem[name].idle.push(rssMB(s.child.pid!));
        const x = await load(`http://127.0.0.1:${s.match[1]}/`, 64, 60, MEMORY_REQUESTS);
        await sleep(SETTLE_MS);
        mem[name].loaded.push(rssMB(s.child.pid!));
        mem[name].p99.push(x.p99);
        mem[name].requests.push(x.requests);
      } finally {
        await stop(s.child);
      }
    }
  }
  const rss = { kiada: median(mem.kiada.loaded), raw: median(mem.raw.loaded) };
  const idle = { kiada: median(mem.kiada.idle), raw: median(mem.raw.idle) };
  const p99 = { kiada: median(mem.kiada.p99), raw: median(mem.raw.p99) };
  // A round cut by its 60 s bound (a very busy machine) gave the two servers unequal loads: say so.
  const cut = [...mem.kiada.requests, ...mem.raw.requests].some((n) => n < MEMORY_REQUESTS);
  const spread = (xs: number[]) => `${fmt(Math.min(...xs), 1)}–${fmt(Math.max(...xs), 1)}`;
  const targets = [
    [`RSS after ${MEMORY_REQUESTS / 1000}k requests at 64 connections, MB (median of ${MEMORY_ROUNDS}; range)`,
      `${fmt(rss.kiada, 1)} (${spread(mem.kiada.loaded)})`, `${fmt(rss.raw, 1)} (${spread(mem.raw.loaded)})`, ratio(rss.kiada, rss.raw),
      `≤ ${RSS_TARGET.toFixed(2)}× raw`, met(rss.kiada <= RSS_TARGET * rss.raw)],
    ['  the same processes idle, before the load, MB (median)', fmt(idle.kiada, 1), fmt(idle.raw, 1), ratio(idle.kiada, idle.raw), '', ''],
    [`p99 at 64 connections, ms (median of the same ${MEMORY_ROUNDS} rounds)`, p99.kiada, p99.raw, `${p99.kiada >= p99.raw ? '+' : '−'}${Math.abs(p99.kiada - p99.raw)} ms`,
      `≤ raw + ${P99_MARGIN_MS} ms`, met(p99.kiada <= p99.raw + P99_MARGIN_MS)],
  ];
  goals.push(
    vsReference(`kiada RSS after ${MEMORY_REQUESTS / 1000}k requests at 64 connections (median of ${MEMORY_ROUNDS} fresh rounds)`, 'MB', rss.kiada, 'raw node:http', rss.raw, '<=', RSS_TARGET),
    limit(`kiada p99 at 64 connections (median of the same ${MEMORY_ROUNDS} rounds)`, 'ms', p99.kiada, '<=', p99.raw + P99_MARGIN_MS, `raw node:http: ${p99.raw} ms + ${P99_MARGIN_MS} ms`),
  );
  const text =
    `### App throughput (GET /, best of 2 alternating rounds of ${SECONDS} s per point; targets: ≥ 0.8× raw, p99 < 5 ms at 64)\n\n` +
    table(['conns', 'kiada req/s', 'raw node:http req/s', 'book-style req/s', 'kiada/raw', 'kiada/book', 'kiada p50/p99 ms', 'raw p50/p99 ms', 'kiada errors'], rows) +
    `\nSustained: kiada at 64 connections for ${sustainedSeconds} s: ${fmt(sustained.rps)} req/s, p99 ${sustained.p99} ms, ` +
    `${sustained.errors} errors, ${sustained.non2xx} non-2xx.\n\n` +
    `Memory and tail latency: fresh processes, the same requests to each, RSS read ${SETTLE_MS / 1000} s after the load ` +
    `(${MEMORY_ROUNDS} rounds, kiada and raw alternating)` +
    (cut ? `; **some rounds stopped at 60 s before ${MEMORY_REQUESTS / 1000}k requests** (kiada ${mem.kiada.requests.join(', ')}; raw ${mem.raw.requests.join(', ')})` : '') +
    '.\n\n' +
    table(['measure', 'kiada', 'raw node:http', 'kiada vs raw', 'target', 'result'], targets);
  return { text, goals };
}
