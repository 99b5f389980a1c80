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
    page = await startPageServer({ port, initial: () => [{ event: 'state', data: cluster!.snapshot() }] });
  } catch (err) {
    await cluster.stop();
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`Unable to listen on port ${port}: ${e.code === 'EADDRINUSE' ? `address 127.0.0.1:${port} already in use` : e.message}`);
  }
  ctx.print.out(`kiada view: ${page.url}\n`);
  ctx.print.out(lab
    ? 'The lab reports every hop: each request to a pod is drawn as it happens. Ctrl-C stops.\n'
    : 'Not the lab: the page shows the cluster live; the hops of requests are reported by the lab only. Ctrl-C stops.\n');
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
  await page.close();
  await cluster.stop();
  return 0;
}
