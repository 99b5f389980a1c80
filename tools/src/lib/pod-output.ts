// -o json|yaml on the commands that read a pod (pod-ip, ports): the pod as `kubectl get pod POD -o json|yaml`
// prints it, fetched as the server sends it.
import type { ApiCtx } from './context.ts';
import { getRaw } from './raw-get.ts';
import { kubectlJson } from './kubectl-print.ts';
import { kubectlYaml } from './kubectl-yaml.ts';
import { validateName } from './names.ts';

export const podPath = (ctx: ApiCtx, name: string) => `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(validateName('pod', name))}`;

export async function printPodAs(ctx: ApiCtx, name: string, format: 'json' | 'yaml'): Promise<void> {
  const pod = (await getRaw(ctx, podPath(ctx, name))) as { metadata?: object };
  ctx.print.command(ctx.kubectl('get', 'pod', name, '-o', format));
  ctx.print.out(format === 'json' ? kubectlJson(pod) : kubectlYaml(pod));
}
