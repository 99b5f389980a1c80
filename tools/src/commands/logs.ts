// `kiada logs [POD] [-f] [--tail N]`: the container's log, streamed as the API server sends it.
import type { ApiCtx } from '../lib/context.ts';
import { getPod, containerOf } from '../lib/pods.ts';
import { CliError, serverStatus } from '../lib/errors.ts';
import { getStream, getText } from '../lib/http-api.ts';
import { podPath } from '../lib/pod-output.ts';

export async function logs(ctx: ApiCtx, name: string, opts: { follow?: boolean; tail?: string; container?: string }): Promise<void> {
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
  const query = new URLSearchParams({ container });
  if (opts.follow) query.set('follow', 'true');
  if (tailLines !== undefined) query.set('tailLines', String(tailLines));
  // A refusal (a container waiting to start …) is the server's Status, as kubectl prints it.
  const logPath = `${podPath(ctx, name)}/log?${query}`;
  // Not followed, the log comes whole (a kubelet keeps ~10 MiB of one at most): printed without a stream to pipe.
  if (!opts.follow) return void ctx.print.out(await getText(ctx, logPath));
  const { body } = await getStream(ctx, logPath);
  await new Promise<void>((resolve, reject) => {
    body.pipe(process.stdout, { end: false }); // at the pace stdout takes it
    body.on('end', resolve).on('error', reject);
  });
}
