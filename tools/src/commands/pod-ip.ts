// `kiada pod-ip [POD]`: the pod's IP, as `kubectl get pod -o wide` shows it (and all its IPs).
import type { Ctx } from '../lib/context.ts';
import { getPod, requireIP } from '../lib/pods.ts';
import { formatData } from '../lib/print.ts';

const age = (ts: Date | undefined) => {
  if (!ts) return '<unknown>';
  const s = Math.floor((Date.now() - new Date(ts).getTime()) / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 8 ? (m % 60 ? `${h}h${m % 60}m` : `${h}h`) : h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
};

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd() + '\n').join('');
}

export async function podIp(ctx: Ctx, name: string, opts: { output?: string }): Promise<void> {
  const pod = await getPod(ctx, name);
  if (opts.output === 'wide') {
    ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', 'wide'));
    const st = pod.status ?? {};
    const cs = st.containerStatuses ?? [];
    let reason = st.reason ?? st.phase ?? 'Pending';
    for (const c of cs) reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason ?? reason;
    if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
    const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    const gates = pod.spec?.readinessGates?.length;
    ctx.print.out(
      table([
        ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
        [name, `${cs.filter((c) => c.ready).length}/${pod.spec?.containers.length ?? 0}`, reason, String(restarts), age(pod.metadata?.creationTimestamp),
          st.podIP || '<none>', pod.spec?.nodeName || '<none>', st.nominatedNodeName || '<none>', gates ? `0/${gates}` : '<none>'],
      ]),
    );
    return;
  }
  if (opts.output === 'json' || opts.output === 'yaml') {
    ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', `jsonpath={.status.podIPs}`));
    const data = { name, podIP: pod.status?.podIP ?? null, podIPs: (pod.status?.podIPs ?? []).map((p) => p.ip), node: pod.spec?.nodeName ?? null };
    ctx.print.out(formatData(opts.output, data));
    return;
  }
  ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', 'jsonpath={.status.podIP}'));
  ctx.print.out(`${requireIP(pod)}\n`);
  // Dual-stack pods have a second IP (IPv6); it follows on its own line.
  for (const ip of (pod.status?.podIPs ?? []).map((p) => p.ip).slice(1)) ctx.print.out(`${ip}\n`);
}
