// `kiada exec [POD] [-it] -- CMD…`: a command in the pod's container through client-node's Exec.
import { Exec, type V1Status } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod, requireRunning, containerOf } from '../lib/pods.ts';
import { CliError } from '../lib/errors.ts';

export async function exec(ctx: Ctx, name: string, argv: string[], opts: { stdin?: boolean; tty?: boolean; container?: string }): Promise<number> {
  if (argv.length === 0) throw new CliError('error: you must specify at least one command for the container');
  const pod = await getPod(ctx, name);
  requireRunning(pod);
  const container = containerOf(pod, opts.container);
  const flags = `${opts.stdin ? 'i' : ''}${opts.tty ? 't' : ''}`;
  ctx.print.command(ctx.kubectl('exec', ...(flags ? [`-${flags}`] : []), name, ...(opts.container ? ['-c', opts.container] : []), '--', ...argv));
  const tty = !!opts.tty && !!process.stdin.isTTY;
  if (tty) process.stdin.setRawMode(true);
  try {
    return await new Promise<number>((resolve, reject) => {
      // As kubectl: the command's own exit code (`command terminated with exit code N`), or, when it could not run
      // (runc found no such command, no such container), the kubelet's message and exit code 1.
      let code = 0;
      let failure: string | undefined;
      new Exec(ctx.kc)
        .exec(ctx.namespace, name, container, argv, process.stdout, tty ? null : process.stderr, opts.stdin ? process.stdin : null, tty, (s: V1Status) => {
          if (s.status === 'Success') return;
          const exit = s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
          if (exit) code = Number(exit);
          else failure = `error: ${s.message}`;
        })
        .then((ws) => ws.on('close', () => {
          if (failure) process.stderr.write(`${failure}\n`);
          else if (code !== 0) process.stderr.write(`command terminated with exit code ${code}\n`);
          resolve(failure ? 1 : code);
        }))
        .catch(reject);
    });
  } finally {
    if (tty) process.stdin.setRawMode(false);
    if (opts.stdin) process.stdin.pause();
  }
}
