// `kiada trace METHOD [POD]`: one real request along a route to the pod — from its node, from a client pod,
// through port-forward, through exec — and every hop it took, in order, with when each was seen and what was seen
// there; the client IP the app saw, and why. On the lab every hop is observed (the lab reports its side); on any
// other cluster the hops kiada cannot see are marked not observed. Exit code 1 when the request did not get through.
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../lib/context.ts';
import { getPod } from '../lib/pods.ts';
import { formatTrace, type Method, type Trace } from '../lib/hops.ts';
import { labTraces } from './trace/lab-api.ts';
import { Observations } from './trace/observations.ts';
import { viaExec, viaNode, viaPod, viaPortForward } from './trace/routes.ts';
import { readViewRecord, viewFile } from './view/registry.ts';
import type { ClientEvent } from './trace/lab-api.ts';

/** A running `kiada view` of this cluster takes kiada's observations (on a cluster that does not report hops). */
function viewReporter(ctx: Ctx): ((e: ClientEvent) => Promise<void>) | null {
  const view = readViewRecord(viewFile(ctx.kc.getCurrentCluster()?.server ?? '', ctx.contextName));
  if (!view) return null;
  return async (e) => {
    await fetch(view.reportURL, { method: 'POST', body: JSON.stringify(e), headers: { 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(2000) });
  };
}

/** The app's own log line for this request, on a cluster that does not report it (it has the client IP too). */
async function appLogLine(ctx: Ctx, pod: string, id: string): Promise<string | undefined> {
  for (let i = 0; i < 10; i++) {
    const log = await ctx.core.readNamespacedPodLog({ name: pod, namespace: ctx.namespace, tailLines: 100 }).catch(() => '');
    const line = String(log).split('\n').find((l) => l.includes(`trace=${id} `) || l.endsWith(`trace=${id}`));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

/**
 * Traces one request along the route; never throws for a route that fails (the trace says where). `refused`: the
 * route was refused by policy before its request was made (why, in one line), as `Observations.refused`.
 */
export async function runTrace(ctx: Ctx, method: Method, name: string, opts: { provider?: string } = {}): Promise<{ trace: Trace; refused: string | null }> {
  // A pod that does not exist is bad input, as for every command: kubectl's one line, exit 1.
  const pod = await getPod(ctx, name);
  const lab = await labTraces(ctx);
  const obs = new Observations(ctx, method, name, randomBytes(4).toString('hex'), lab, lab ? null : viewReporter(ctx));
  if (method === 'node') await viaNode(ctx, pod, obs, opts.provider);
  else if (method === 'pod') await viaPod(ctx, pod, obs);
  else if (method === 'exec') await viaExec(ctx, pod, obs);
  else await viaPortForward(ctx, pod, obs);
  if (obs.labApi) await obs.collectLab();
  else if (!obs.failed) {
    const line = await appLogLine(ctx, name, obs.id);
    if (line) obs.appLogged(line);
  }
  return { trace: await obs.result(), refused: obs.refused };
}

export async function trace(ctx: Ctx, method: Method, name: string, opts: { output?: string; provider?: string }): Promise<number> {
  const { trace: t } = await runTrace(ctx, method, name, opts);
  ctx.print.out(formatTrace(t, opts.output));
  return t.ok ? 0 : 1;
}
