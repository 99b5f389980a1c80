// `kiada pod-ip [POD]`: the pod's IP, as `kubectl get pod POD -o jsonpath={.status.podIP}` prints it; -o wide is
// `kubectl get pod -o wide` (the server's own table, so its columns are kubectl's on any cluster); -o json|yaml
// the pod as kubectl get prints it.
import type { ApiCtx } from '../lib/context.ts';
import { getPod, requireIP } from '../lib/pods.ts';
import { getRaw, TABLE_ACCEPT } from '../lib/raw-get.ts';
import { printTable, type Table } from '../lib/kubectl-print.ts';
import { podPath, printPodAs } from '../lib/pod-output.ts';

export async function podIp(ctx: ApiCtx, name: string, opts: { output?: string }): Promise<void> {
  if (opts.output === 'wide') {
    const table = (await getRaw(ctx, podPath(ctx, name), TABLE_ACCEPT)) as Table;
    ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', 'wide'));
    ctx.print.out(printTable(table, true));
    return;
  }
  if (opts.output === 'json' || opts.output === 'yaml') return printPodAs(ctx, name, opts.output);
  const pod = await getPod(ctx, name);
  const ip = requireIP(pod);
  // Dual-stack pods have a second IP (IPv6); kubectl's jsonpath then prints `{.status.podIPs[*].ip}` on one line.
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip);
  if (ips.length > 1) {
    ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', 'jsonpath={.status.podIPs[*].ip}'));
    return void ctx.print.out(`${ips.join(' ')}\n`);
  }
  ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', 'jsonpath={.status.podIP}'));
  ctx.print.out(`${ip}\n`);
}
