// `kiada view [--port N] [--no-open]`: a page on 127.0.0.1 drawing the cluster as the book's figures do — your
// machine with kubectl, the API server, the nodes with their bridge addresses, each pod with its IP, eth0 and
// loopback — from its live state, and on the lab every request travelling through it hop by hop as it happens
// (kiada trace, the tour, the CLI's commands, any kubectl port-forward or exec, a curl from a node or a pod).
// Runs until Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { Ctx } from '../lib/context.ts';
import { CliError } from '../lib/errors.ts';
import { onStopSignal } from '../lib/signals.ts';
import { labTraces, type LabEvent } from './trace/lab-api.ts';
import { watchCluster, type WatchedCluster } from './view/cluster.ts';
import { startPageServer } from './view/server.ts';
import { viewFile, writeViewRecord } from './view/registry.ts';

/** What the page gets of a trace event: the event without the API's envelope. */
const forPage = (e: LabEvent) => ({
  seq: Number(e.metadata.resourceVersion),
  session: e.session,
  trace: e.trace ?? null,
  method: e.method,
  namespace: e.namespace,
  pod: e.pod,
  node: e.node ?? null,
  hop: e.hop,
  ok: e.ok,
  detail: e.detail,
  error: e.error ?? null,
  clientIP: e.clientIP ?? null,
  source: e.source,
  time: e.time,
});

let reports = 0;
/** A report of kiada trace, as the page takes trace events: only the fields it draws, strings cut short. */
function clientReport(body: unknown) {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = (v: unknown, max = 2048) => (typeof v === 'string' ? v.slice(0, max) : null);
  return {
    seq: --reports,
    session: `client-${text(b.trace, 32)}`,
    trace: text(b.trace, 32),
    method: text(b.method, 20) ?? 'other',
    namespace: text(b.namespace, 253) ?? '',
    pod: text(b.pod, 253) ?? '',
    node: null,
    hop: text(b.hop, 64) ?? '',
    ok: b.ok === true,
    detail: text(b.detail) ?? '',
    error: text(b.error),
    clientIP: text(b.clientIP, 64),
    source: 'client',
    time: typeof b.time === 'number' ? b.time : Date.now(),
  };
}

const onPath = (cmd: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));

export function parseViewPort(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new CliError(`error: invalid port ${JSON.stringify(value)}: a number from 0 (any free port) to 65535`);
  return Number(value);
}

export async function view(ctx: Ctx, opts: { port?: string; open?: boolean }): Promise<number> {
  const port = parseViewPort(opts.port);
  const lab = await labTraces(ctx);
  let cluster: WatchedCluster | undefined;
  let page: Awaited<ReturnType<typeof startPageServer>> | undefined;
  cluster = await watchCluster(ctx, lab, {
    change: () => page?.broadcast('state', cluster!.snapshot()),
    trace: (e) => page?.broadcast('trace', forPage(e)),
    error: (msg) => ctx.print.info(`kiada view: ${msg}\n`),
  });
  try {
    page = await startPageServer({
      port,
      initial: () => [{ event: 'state', data: cluster!.snapshot() }],
      // Not the lab: kiada trace reports its own side here (on the lab it reports to the lab, which we watch).
      onReport: lab ? undefined : (body) => page?.broadcast('trace', clientReport(body)),
    });
  } catch (err) {
    await cluster.stop();
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`Unable to listen on port ${port}: ${e.code === 'EADDRINUSE' ? `address 127.0.0.1:${port} already in use` : e.message}`);
  }
  const unregister = lab ? () => {} : writeViewRecord(viewFile(ctx.kc.getCurrentCluster()?.server ?? '', ctx.contextName), { pid: process.pid, reportURL: `${page.url}report` });
  ctx.print.out(`kiada view: ${page.url}\n`);
  ctx.print.out(lab
    ? 'The lab reports every hop: each request to a pod is drawn as it happens. Ctrl-C stops.\n'
    : 'Not the lab: the page shows the cluster live, and what `kiada trace` sees of its requests (this cluster does not report its hops). Ctrl-C stops.\n');
  if (opts.open !== false) {
    if (onPath('xdg-open')) {
      const child = spawn('xdg-open', [page.url], { stdio: 'ignore', detached: true });
      child.on('error', () => ctx.print.info('kiada view: xdg-open failed: open the URL above in a browser\n'));
      child.unref();
    } else ctx.print.info('kiada view: no xdg-open on this machine: open the URL above in a browser\n');
  }
  await new Promise<void>((resolve) => {
    const off = onStopSignal(() => {
      off();
      resolve();
    });
  });
  unregister();
  await page.close();
  await cluster.stop();
  return 0;
}
