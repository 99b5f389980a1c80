// `kiada curl-from-node [POD]`: log into the node that hosts the pod and curl the pod from there.
import type { Ctx } from '../lib/context.ts';
import { getPod, resolvePort, firstPort } from '../lib/pods.ts';
import { validatePath } from '../lib/names.ts';
import { chooseProvider } from '../providers/index.ts';
import { nodeCurlRequest } from '../providers/curl.ts';

export async function curlFromNode(ctx: Ctx, name: string, opts: { port?: string; path?: string; provider?: string }): Promise<number> {
  const path = validatePath(opts.path ?? '/');
  const provider = chooseProvider(ctx.contextName, ctx.clusterName, opts.provider);
  const pod = await getPod(ctx, name);
  const port = opts.port ? resolvePort(pod, opts.port) : firstPort(pod);
  // One command: what is printed is what runs.
  const command = provider.command(ctx, await nodeCurlRequest(ctx, pod, port, path));
  ctx.print.command(command.argv);
  const r = await command.run();
  ctx.print.out(r.output);
  return r.exitCode;
}
