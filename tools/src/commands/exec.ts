// `kiada exec [POD] [-it] -- CMD…`: a command in the pod's container through client-node's Exec.
import { Exec, type V1Status } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod, requireRunning } from '../lib/pods.ts';
import { CliError } from '../lib/errors.ts';

export async function exec(ctx: Ctx, name: string, argv: string[], opts: { stdin?: boolean; tty?: boolean; container?: string }): Promise<number> {
  if (argv.length === 0) throw new CliError('error: you must specify at least one command for the container');
  const pod = await getPod(ctx, name);
  requireRunning(pod);
  const container = opts.container ?? pod.spec?.containers[0]?.name ?? '';
  const flags = `${opts.stdin ? 'i' : ''}${opts.tty ? 't' : ''}`;
  ctx.print.command(ctx.kubectl('exec', ...(flags ? [`-${flags}`] : []), name, '--', ...argv));
  const tty = !!opts.tty && !!process.stdin.isTTY;
  if (tty) process.stdin.setRawMode(true);
  try {
    return await new Promise<number>((resolve, reject) => {
      let code = 0;
      new Exec(ctx.kc)
        .exec(ctx.namespace, name, container, argv, process.stdout, tty ? null : process.stderr, opts.stdin ? process.stdin : null, tty, (s: V1Status) => {
          if (s.status !== 'Success') {
            const exit = s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
            code = exit ? Number(exit) : 1;
            if (!exit) process.stderr.write(`error: ${s.message}\n`);
          }
        })
        .then((ws) => ws.on('close', () => {
          if (code !== 0) process.stderr.write(`command terminated with exit code ${code}\n`);
          resolve(code);
        }))
        .catch(reject);
    });
  } finally {
    if (tty) process.stdin.setRawMode(false);
    if (opts.stdin) process.stdin.pause();
  }
}
