// `kiada logs [POD] [-f] [--tail N]`: the container's log through client-node's Log.
import { Writable } from 'node:stream';
import { Log } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod, containerOf } from '../lib/pods.ts';
import { CliError, serverStatus } from '../lib/errors.ts';
import { getRaw } from '../lib/raw-get.ts';
import { podPath } from '../lib/pod-output.ts';

export async function logs(ctx: Ctx, name: string, opts: { follow?: boolean; tail?: string; container?: string }): Promise<void> {
  if (opts.tail !== undefined && !/^(-1|\d+)$/.test(opts.tail)) throw new CliError(`error: invalid argument "${opts.tail}" for "--tail" flag: must be an integer (-1 for all lines)`);
  // kubectl logs words a missing pod its own way (logs.go): `error: error from server (NotFound): … in namespace "ns"`.
  const pod = await getPod(ctx, name).catch((err) => {
    const status = serverStatus(err);
    throw status?.reason === 'NotFound' ? new CliError(`error: error from server (NotFound): ${status.message} in namespace "${ctx.namespace}"`) : err;
  });
  const container = containerOf(pod, opts.container);
  const args = ['logs', name];
  if (opts.follow) args.push('-f');
  if (opts.tail !== undefined) args.push('--tail', opts.tail);
  if (opts.container) args.push('-c', opts.container);
  ctx.print.command(ctx.kubectl(...args));
  const tailLines = opts.tail === undefined || opts.tail === '-1' ? undefined : Number(opts.tail);
  if (tailLines === 0 && !opts.follow) return;
  // client-node drops tailLines=0 (a falsy check), so `-f --tail 0` skips the bytes the log holds right now.
  let skip = tailLines === 0 ? Buffer.byteLength(await ctx.core.readNamespacedPodLog({ name, namespace: ctx.namespace, container })) : 0;
  await new Promise<void>((resolve, reject) => {
    const out = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        const dropped = Math.min(skip, chunk.length);
        skip -= dropped;
        if (dropped === chunk.length) return cb();
        process.stdout.write(chunk.subarray(dropped), () => cb());
      },
      final: (cb) => {
        resolve();
        cb();
      },
    });
    // client-node's Log keeps no body on a refusal (a container waiting to start …): ask once more for the
    // server's Status, so that the error says what kubectl would print.
    const withStatus = (err: { body?: unknown }) =>
      err.body === undefined && serverStatus(err) ? getRaw(ctx, `${podPath(ctx, name)}/log?container=${encodeURIComponent(container)}`).then(() => err, (e) => e) : err;
    new Log(ctx.kc).log(ctx.namespace, name, container, out, { follow: !!opts.follow, tailLines: tailLines || undefined }).catch(async (err) => reject(await withStatus(err)));
  });
}
