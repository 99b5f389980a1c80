// `kiada ports [POD]`: the container ports in the pod spec, one line per container, exactly as the printed
// `kubectl get pod POD -o jsonpath=…` shows them (`kubectl describe pod` shows the same among much else);
// -o json|yaml: the pod as kubectl get prints it.
import type { ApiCtx } from '../lib/context.ts';
import { getPod } from '../lib/pods.ts';
import { printPodAs } from '../lib/pod-output.ts';

/** Container name, then each port as NAME PORT/PROTOCOL after a tab. */
export const PORTS_JSONPATH = '{range .spec.containers[*]}{.name}{range .ports[*]}{"\\t"}{.name}{" "}{.containerPort}{"/"}{.protocol}{end}{"\\n"}{end}';

export async function ports(ctx: ApiCtx, name: string, opts: { output?: string }): Promise<void> {
  if (opts.output === 'json' || opts.output === 'yaml') return printPodAs(ctx, name, opts.output);
  const pod = await getPod(ctx, name);
  ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', `jsonpath=${PORTS_JSONPATH}`));
  // What that jsonpath prints: a missing field (an unnamed port) is empty, as kubectl get allows missing keys.
  ctx.print.out((pod.spec?.containers ?? []).map((c) =>
    c.name + (c.ports ?? []).map((p) => `\t${p.name ?? ''} ${p.containerPort}/${p.protocol ?? ''}`).join('') + '\n').join(''));
  ctx.print.info('Note: the ports in a pod spec are informative only; the app may listen on other ports, and these need not be open.\n');
}
