// `kiada curl-from-pod [POD]`: the book's one-off client pod,
// `kubectl run --image=curlimages/curl -it --restart=Never --rm client-pod -- curl <ip>:8080`.
import type { ApiCtx } from '../lib/context.ts';
import { getPod, requireIP, resolvePort, firstPort } from '../lib/pods.ts';
import { validateName, validatePath } from '../lib/names.ts';
import { runOneOff } from '../lib/oneoff.ts';
import { curlArgv, hostPort } from '../providers/curl.ts';

export async function curlFromPod(ctx: ApiCtx, name: string, opts: { image?: string; name?: string; port?: string; path?: string }): Promise<number> {
  const client = validateName('pod', opts.name ?? 'client-pod');
  const path = validatePath(opts.path ?? '/');
  const pod = await getPod(ctx, name);
  const ip = requireIP(pod);
  const port = opts.port ? resolvePort(pod, opts.port) : firstPort(pod);
  const target = `${hostPort(ip, port)}${path === '/' ? '' : path}`;
  const image = opts.image ?? 'curlimages/curl';
  const args = curlArgv(target);
  // Printed once the pod exists: on a name clash it gets a fresh name, and the command shows the one it got.
  const r = await runOneOff(ctx, { name: client, image, args, onOutput: ctx.print.out,
    onCreated: (pod) => ctx.print.command(ctx.kubectl('run', `--image=${image}`, '-it', '--restart=Never', '--rm', pod, '--', ...args)),
    onDeleted: (pod) => ctx.print.out(`pod "${pod}" deleted\n`) });
  return r.exitCode;
}
