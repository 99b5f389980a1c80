// App throughput: kiada (express) vs a raw node:http handler (the ceiling) vs a book-style plain-http app,
// measured one after the other in the same run, at 1, 16 and 64 connections.
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { load, startChild, stop, rssMB, ratio, fmt, table, vsReference, limit, SECONDS, type Load, type Section, type Goal } from './lib.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export async function run(): Promise<Section> {
  const template = path.join(os.tmpdir(), `kiada-bench-index-${process.pid}.txt`);
  fs.writeFileSync(template, 'Kiada version {{version}}. Request processed by "{{hostname}}". Client IP: {{clientIP}}\n');
  const servers = {
    kiada: await startChild([process.execPath, path.join(ROOT, 'apps/kiada/src/main.ts'), '--port', '0', '--bind', '127.0.0.1'], /Listening on port (\d+)/),
    raw: await startChild([process.execPath, path.join(ROOT, 'bench/fixtures/raw-http.ts')], /listening (\d+)/),
    book: await startChild([process.execPath, path.join(ROOT, 'bench/fixtures/book-style.ts'), '0', template], /listening (\d+)/),
  };
  const rows: (string | number)[][] = [];
  const goals: Goal[] = [];
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
    const sustainedSeconds = Number(process.env.KIADA_BENCH_SUSTAINED_SECONDS ?? 30);
    const sustained = await load(`http://127.0.0.1:${servers.kiada.match[1]}/`, 64, sustainedSeconds);
    const rss = Object.fromEntries(Object.entries(servers).map(([n, s]) => [n, rssMB(s.child.pid!)]));
    goals.push(limit(`kiada errors + non-2xx, ${sustainedSeconds} s sustained at 64 connections`, 'errors', sustained.errors + sustained.non2xx, '<=', 0));
    const text = (
      `### App throughput (GET /, best of 2 alternating rounds of ${SECONDS} s per point; targets: ≥ 0.8× raw, p99 < 5 ms at 64)\n\n` +
      table(['conns', 'kiada req/s', 'raw node:http req/s', 'book-style req/s', 'kiada/raw', 'kiada/book', 'kiada p50/p99 ms', 'raw p50/p99 ms', 'kiada errors'], rows) +
      `\nSustained: kiada at 64 connections for ${sustainedSeconds} s: ${fmt(sustained.rps)} req/s, p99 ${sustained.p99} ms, ` +
      `${sustained.errors} errors, ${sustained.non2xx} non-2xx.\n` +
      `\nRSS after the run: kiada ${rss.kiada} MB, raw ${rss.raw} MB, book-style ${rss.book} MB.\n`
    );
    return { text, goals };
  } finally {
    for (const s of Object.values(servers)) await stop(s.child);
    fs.rmSync(template, { force: true });
  }
}
