// `kiada diagnose [POD]`: the routes to the pod from shortest to longest; names the first that fails and why. A
// route that policy refuses before any request is made (a workshop namespace's Pod Security refusing curl-from-node's
// hostNetwork pod) tested nothing: it is marked not tried (· as trace marks a hop not observed), and the others run.
import type { V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod, requireIP } from '../lib/pods.ts';
import { whyNotReady } from '../lib/pod-health.ts';
import { CliError, describeError } from '../lib/errors.ts';
import type { Hop, Method } from '../lib/hops.ts';
import { runTrace } from './trace.ts';

interface Check {
  name: string;
  /** What it found on success; a CliError says why it failed (any other error is worded as kubectl words it). */
  check: (pod: V1Pod) => Promise<string>;
}

/** A route's failure, named by the hop where it stopped. */
class HopFailed extends CliError {
  hop: string;
  constructor(hop: Hop) {
    const hint = hop.name === 'pod loopback' ? ": port-forward connects to the pod's loopback; is the app bound to eth0 only?" : '';
    super(`${hop.name}: ${hop.error}${hint}`);
    this.hop = hop.name;
  }
}

/** A route refused by policy before its request was made: nothing about the network is known from it. */
class NotTried extends Error {}

export async function diagnose(ctx: Ctx, name: string, opts: { provider?: string }): Promise<number> {
  const quiet = { ...ctx, print: { ...ctx.print, command: () => {}, out: () => {} } };
  const route = (method: Method) => async () => {
    const { trace: t, refused } = await runTrace(quiet, method, name, { provider: opts.provider });
    if (refused) throw new NotTried(refused);
    const failed = t.hops.find((h) => h.ok === false);
    if (failed) throw new HopFailed(failed);
    if (!t.ok) throw new CliError(`the request did not get through (${t.hops.filter((h) => h.ok === null).map((h) => h.name).join(', ')} not observed)`);
    return `the app answered${t.clientIP ? `, client IP ${t.clientIP}` : ''}`;
  };
  const hops: Check[] = [
    {
      name: 'pod is running and ready',
      check: async (pod) => {
        const problem = whyNotReady(pod);
        if (problem) throw new CliError(problem);
        return `Running, Ready, IP ${requireIP(pod)} on ${pod.spec?.nodeName}`;
      },
    },
    // Each route is one traced request (kiada trace): a failure is named by its hop, as trace names it.
    { name: 'from its node', check: route('node') },
    { name: 'from another pod', check: route('pod') },
    { name: 'through port-forward', check: route('port-forward') },
  ];
  // A pod that does not exist is bad input, as for every command: kubectl's one line on stderr, exit 1.
  const pod = await getPod(ctx, name);
  let notTried = 0;
  for (const [i, hop] of hops.entries()) {
    try {
      ctx.print.out(`✔ ${i + 1}. ${hop.name}: ${await hop.check(pod)}\n`);
    } catch (err) {
      if (err instanceof NotTried) {
        ctx.print.out(`· ${i + 1}. ${hop.name}: not tried: ${err.message}\n`);
        notTried++;
        continue;
      }
      ctx.print.out(`✘ ${i + 1}. ${hop.name}: ${describeError(err)}\n`);
      ctx.print.out(err instanceof HopFailed ? `The first failing hop is "${err.hop}" (${hop.name}).\n` : `The first failing hop is "${hop.name}".\n`);
      return 1;
    }
  }
  // Nothing failed: exit 0, as diagnose exits 1 only for a failing hop; the line says what was not tried.
  ctx.print.out(notTried ? `Every route tried reaches the pod (${notTried} not tried, see above).\n` : 'Every route reaches the pod.\n');
  return 0;
}
