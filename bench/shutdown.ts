// Shutdown: SIGTERM to exit, idle and with 100 busy keep-alive connections; every request that was sent on
// an accepted connection must be answered (a refused new connection is not a lost request).
import http from 'node:http';
import path from 'node:path';
import { startChild, stop, ratio, fmt, table, median, limit, type Section } from './lib.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVERS: Record<string, string[]> = {
  kiada: [process.execPath, path.join(ROOT, 'apps/kiada/src/main.ts'), '--port', '0', '--bind', '127.0.0.1'],
  'raw node:http': [process.execPath, path.join(ROOT, 'bench/fixtures/raw-http.mjs')],
};
const READY = /(?:Listening on port|listening) (\d+)/;

async function idleExitMs(argv: string[]): Promise<number> {
  const { child } = await startChild(argv, READY);
  const t0 = process.hrtime.bigint();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  await stop(child);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function busy(argv: string[]): Promise<{ ms: number; ok: number; refused: number; idleClosed: number; backlog: number; lost: number }> {
  const { child, match } = await startChild(argv, READY);
  const port = Number(match[1]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  let ok = 0, refused = 0, idleClosed = 0, backlog = 0, lost = 0, stopping = false;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? ok++ : lost++, resolve()));
        res.on('error', () => (lost++, resolve()));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        // Refused: the listener is closed, nothing was accepted. A reset on a reused keep-alive socket is the
        // server closing it while idle, before our request arrived (Node's docs: safe to retry). Anything
        // else lost a request the server had.
        // A reset on a new socket is a connection the kernel queued but the app never accepted: the listener
        // closed under it (Kubernetes avoids it by failing readiness first, which /readyz does at SIGTERM).
        if (e.code === 'ECONNREFUSED') refused++;
        else if (e.code === 'ECONNRESET' && req.reusedSocket) idleClosed++;
        else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') backlog++;
        else lost++;
        resolve();
      });
    });
  const loops = Array.from({ length: 100 }, async () => {
    const end = Date.now() + 5000;
    while (!stopping && Date.now() < end) await one();
  });
  await new Promise((r) => setTimeout(r, 500));
  const t0 = process.hrtime.bigint();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  stopping = true;
  await Promise.all(loops);
  agent.destroy();
  await stop(child);
  return { ms, ok, refused, idleClosed, backlog, lost };
}

export async function run(): Promise<Section> {
  const rows: (string | number)[][] = [];
  const results: Record<string, { idle: number; busy: Awaited<ReturnType<typeof busy>> }> = {};
  for (const [name, argv] of Object.entries(SERVERS)) {
    const idle = median([await idleExitMs(argv), await idleExitMs(argv), await idleExitMs(argv)]);
    results[name] = { idle, busy: await busy(argv) };
  }
  for (const [name, r] of Object.entries(results)) {
    rows.push([name, fmt(r.idle, 1), ratio(r.idle, results['raw node:http'].idle), fmt(r.busy.ms, 1), r.busy.ok, r.busy.refused, r.busy.idleClosed, r.busy.backlog, r.busy.lost]);
  }
  const goals = [
    limit('kiada idle SIGTERM to exit', 'ms', results.kiada.idle, '<', 100, `raw node:http: ${fmt(results['raw node:http'].idle, 1)} ms`),
    limit('kiada requests lost at SIGTERM with 100 busy connections', 'requests', results.kiada.busy.lost, '<=', 0),
  ];
  const text = '### Shutdown (SIGTERM to exit; targets: < 100 ms idle, no request lost)\n\n' +
    table(['server', 'idle exit ms (median of 3)', 'vs raw', 'exit ms with 100 busy keep-alive conns', 'answered', 'refused after close', 'reset while idle (retry-safe)', 'reset in the listen backlog', 'lost (accepted, unanswered)'], rows);
  return { text, goals };
}
