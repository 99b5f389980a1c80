// `kiada workshop reset NAME`: the student's namespace deleted and made again as `up` makes it (kiada too if the
// workshop deploys it). Their old token ended with the namespace: a new kubeconfig is written.
import path from 'node:path';
import type { Ctx } from '../../lib/context.ts';
import { formatData } from '../../lib/print.ts';
import { withSpinner } from '../../lib/spinner.ts';
import { POD_GRACE_SECONDS, deletePodsNow, studentNamespace, waitNamespaceGone } from '../../lib/workshop/namespaces.ts';
import { createStudent } from '../../lib/workshop/create-student.ts';
import { writeCards } from '../../lib/workshop/files.ts';
import { HOST_NETWORK_LEVEL, POD_SECURITY_LABEL } from '../../lib/workshop/manifests.ts';
import { DEPLOY_ANNOTATION, EXPIRES_ANNOTATION, validateStudentName } from '../../lib/workshop/students.ts';
import { tokenSeconds } from './up.ts';

export async function reset(ctx: Ctx, name: string, flags: { dir: string; expires?: string; output?: 'json' | 'yaml'; quiet?: boolean }): Promise<void> {
  validateStudentName(name);
  const ns = await studentNamespace(ctx, name);
  const deploy = ns.metadata?.annotations?.[DEPLOY_ANNOTATION] === 'true';
  const allowHostNetwork = ns.metadata?.labels?.[POD_SECURITY_LABEL] === HOST_NETWORK_LEVEL;
  // The same lifetime as before unless said otherwise (what was left of it at least 10 minutes).
  const left = Math.floor((Date.parse(ns.metadata?.annotations?.[EXPIRES_ANNOTATION] ?? '') - Date.now()) / 1000);
  const expirationSeconds = flags.expires ? tokenSeconds(flags.expires) : Number.isFinite(left) ? Math.max(600, left) : tokenSeconds('8h');
  ctx.print.command(['kubectl', 'delete', 'pods', '--all', `--grace-period=${POD_GRACE_SECONDS}`, '-n', name]);
  await deletePodsNow(ctx, name);
  ctx.print.command(['kubectl', 'delete', 'namespace', name]);
  await ctx.core.deleteNamespace({ name });
  await withSpinner(`waiting for namespace "${name}" to go`, waitNamespaceGone(ctx, name));
  const dir = path.resolve(flags.dir);
  const student = await createStudent(ctx, name, { deploy, allowHostNetwork, expirationSeconds, dir, show: !flags.quiet });
  await writeCards(ctx, dir);
  if (flags.output) ctx.print.out(formatData(flags.output, { students: [student] }));
  else ctx.print.out(`${name}: namespace made again${deploy ? ', kiada deployed' : ''}; new kubeconfig ${path.relative(process.cwd(), student.kubeconfig)} (the old one no longer works)\n`);
}
