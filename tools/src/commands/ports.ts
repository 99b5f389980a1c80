// `kiada ports [POD]`: the container ports from the pod spec.
import type { Ctx } from '../lib/context.ts';
import { getPod } from '../lib/pods.ts';
import { formatData } from '../lib/print.ts';
import { table } from './pod-ip.ts';

export async function ports(ctx: Ctx, name: string, opts: { output?: string }): Promise<void> {
  const pod = await getPod(ctx, name);
  ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', 'jsonpath={.spec.containers[*].ports}'));
  const rows = (pod.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ container: c.name, name: p.name ?? '', port: p.containerPort, protocol: p.protocol ?? 'TCP' })),
  );
  if (opts.output === 'json' || opts.output === 'yaml') return void ctx.print.out(formatData(opts.output, rows));
  ctx.print.out(table([['CONTAINER', 'NAME', 'PORT', 'PROTOCOL'], ...rows.map((r) => [r.container, r.name || '<none>', String(r.port), r.protocol])]));
  ctx.print.info('Note: the ports in a pod spec are informative only; the app may listen on other ports, and these need not be open.\n');
}
