// `kiada diagnose [POD]`: the routes to the pod from shortest to longest; names the first that fails and why.
import type { V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod, requireIP, firstPort } from '../lib/pods.ts';
import { whyNotReady } from '../lib/pod-health.ts';
import { CliError, describeError } from '../lib/errors.ts';
import { chooseProvider } from '../providers/index.ts';
import { curlArgv, hostPort, nodeCurlRequest } from '../providers/curl.ts';
import { runOneOff } from '../lib/oneoff.ts';
import { startPortForward } from './port-forward.ts';
import http from 'node:http';

interface Hop {
  name: string;
  /** What it found on success; a CliError says why it failed (any other error is worded as kubectl words it). */
  check: (pod: V1Pod) => Promise<string>;
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c)).on('end', () => resolve(b));
    }).on('error', reject);
  });
}

export async function diagnose(ctx: Ctx, name: string, opts: { provider?: string }): Promise<number> {
  const quiet = { ...ctx, print: { ...ctx.print, command: () => {}, out: () => {} } };
  const hops: Hop[] = [
    {
      name: 'pod is running and ready',
      check: async (pod) => {
        const problem = whyNotReady(pod);
        if (problem) throw new CliError(problem);
        return `Running, Ready, IP ${requireIP(pod)} on ${pod.spec?.nodeName}`;
      },
    },
    {
      name: 'from its node',
      check: async (pod) => {
        const provider = chooseProvider(ctx.contextName, ctx.clusterName, opts.provider);
        const r = await provider.command(quiet, await nodeCurlRequest(ctx, pod, firstPort(pod), '/')).run();
        if (r.exitCode !== 0 || !r.output) throw new CliError(`curl on the node failed (exit code ${r.exitCode}): is the app listening on the pod IP?`);
        return r.output.trim();
      },
    },
    {
      name: 'from another pod',
      check: async (pod) => {
        const r = await runOneOff(quiet, { name: 'kiada-diagnose', image: 'curlimages/curl', args: curlArgv(hostPort(requireIP(pod), firstPort(pod))) });
        if (r.exitCode !== 0) throw new CliError(`curl from a pod failed (exit code ${r.exitCode}): the pod network does not reach it`);
        return r.output.trim();
      },
    },
    {
      name: 'through port-forward',
      check: async (pod) => {
        const pf = await startPortForward(quiet, name, [`0:${firstPort(pod)}`], { address: ['127.0.0.1'] });
        try {
          return (await get(pf.forwards[0].local)).trim();
        } catch (err) {
          throw new CliError(`${(err as Error).message}: port-forward connects to the pod's loopback; is the app bound to eth0 only?`);
        } finally {
          await pf.close();
        }
      },
    },
  ];
  // A pod that does not exist is bad input, as for every command: kubectl's one line on stderr, exit 1.
  const pod = await getPod(ctx, name);
  for (const [i, hop] of hops.entries()) {
    try {
      ctx.print.out(`✔ ${i + 1}. ${hop.name}: ${await hop.check(pod)}\n`);
    } catch (err) {
      ctx.print.out(`✘ ${i + 1}. ${hop.name}: ${describeError(err)}\n`);
      ctx.print.out(`The first failing hop is "${hop.name}".\n`);
      return 1;
    }
  }
  ctx.print.out('Every route reaches the pod.\n');
  return 0;
}
