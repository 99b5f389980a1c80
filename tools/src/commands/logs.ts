// `kiada logs [POD] [-f] [--tail N]`: the container's log through client-node's Log.
import { Writable } from 'node:stream';
import { Log } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod } from '../lib/pods.ts';

export async function logs(ctx: Ctx, name: string, opts: { follow?: boolean; tail?: string; container?: string }): Promise<void> {
  const pod = await getPod(ctx, name);
  const container = opts.container ?? pod.spec?.containers[0]?.name ?? '';
  const args = ['logs', name];
  if (opts.follow) args.push('-f');
  if (opts.tail !== undefined) args.push('--tail', opts.tail);
  if (opts.container) args.push('-c', opts.container);
  ctx.print.command(ctx.kubectl(...args));
  await new Promise<void>((resolve, reject) => {
    const out = new Writable({
      write: (chunk: Buffer, _e, cb) => void process.stdout.write(chunk, () => cb()),
      final: (cb) => {
        resolve();
        cb();
      },
    });
    const tailLines = opts.tail !== undefined ? Number(opts.tail) : undefined;
    new Log(ctx.kc).log(ctx.namespace, name, container, out, { follow: !!opts.follow, tailLines }).catch(reject);
  });
}
