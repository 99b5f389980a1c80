// `kiada curl-from-node [POD]`: log into the node that hosts the pod and curl the pod from there.
import type { Ctx } from '../lib/context.ts';
import { getPod, requireIP, resolvePort, firstPort } from '../lib/pods.ts';
import { validateName, validatePath } from '../lib/names.ts';
import { CliError } from '../lib/errors.ts';
import { chooseProvider } from '../providers/index.ts';

export async function curlFromNode(ctx: Ctx, name: string, opts: { port?: string; path?: string; provider?: string }): Promise<number> {
  const path = validatePath(opts.path ?? '/');
  const pod = await getPod(ctx, name);
  const ip = requireIP(pod);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw new CliError(`error: pod ${name} is not scheduled to a node yet`);
  validateName('node', nodeName);
  const port = opts.port ? resolvePort(pod, opts.port) : firstPort(pod);
  const provider = chooseProvider(ctx.contextName, ctx.clusterName, opts.provider);
  const node = await ctx.core.readNode({ name: nodeName });
  const req = { node, nodeName, url: `http://${ip}:${port}${path}` };
  ctx.print.command(provider.argv(req));
  const r = await provider.run(ctx, req);
  ctx.print.out(r.output);
  return r.exitCode;
}
