// The workshop's namespaces on the cluster: finding them again (by the workshop's label), and removing one quickly.
import type { V1Namespace } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { CliError, codeOf } from '../errors.ts';
import { MANAGED_BY, byStudentName } from './students.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The namespaces of this workshop (by its label), student order (student2 before student10). */
export async function workshopNamespaces(ctx: Ctx): Promise<V1Namespace[]> {
  const list = await ctx.core.listNamespace({ labelSelector: `${MANAGED_BY.key}=${MANAGED_BY.value}` });
  return list.items.sort((a, b) => byStudentName(a.metadata!.name!, b.metadata!.name!));
}

/** A namespace of this workshop, or a one-line error naming what is wrong. */
export async function studentNamespace(ctx: Ctx, name: string): Promise<V1Namespace> {
  let ns: V1Namespace;
  try {
    ns = await ctx.core.readNamespace({ name });
  } catch (err) {
    if (codeOf(err) === 404) throw new CliError(`error: there is no student "${name}" in this workshop (no namespace "${name}")`);
    throw err;
  }
  if (ns.metadata?.labels?.[MANAGED_BY.key] !== MANAGED_BY.value) throw new CliError(`error: namespace "${name}" is not a workshop student's (it has no ${MANAGED_BY.key}=${MANAGED_BY.value} label)`);
  return ns;
}

/** Waits until the namespace is gone (a namespace being deleted refuses new content). */
export async function waitNamespaceGone(ctx: Ctx, name: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ctx.core.readNamespace({ name });
    } catch (err) {
      if (codeOf(err) === 404) return;
      throw err;
    }
    if (Date.now() > deadline) throw new CliError(`error: timed out waiting for namespace "${name}" to be deleted`);
    await sleep(250);
  }
}

/**
 * The pods of a namespace that is about to go, deleted with a grace period of 1 s (the kubelet's floor is 2 s): a
 * namespace's own deletion gives each pod its full grace period (30 s by default), and a pod whose PID 1 lets a
 * SIGTERM pass — `sleep`, or any app still starting when it comes — would hold `down` or `reset` that long.
 */
export async function deletePodsNow(ctx: Ctx, namespace: string): Promise<void> {
  const pods = (await ctx.core.listNamespacedPod({ namespace })).items;
  await Promise.all(pods.map(async (p) => {
    try {
      await ctx.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace, gracePeriodSeconds: POD_GRACE_SECONDS });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
    }
  }));
}
export const POD_GRACE_SECONDS = 1;
