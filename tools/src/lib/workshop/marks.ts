// What a look at a student's namespace shows: the pods and kiada's request log, read through the API as on any
// cluster, turned into exercise marks by exercises.ts.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { clusterFacts, isKiadaPod, marksFrom, type ClusterFacts, type Marks } from './exercises.ts';

export async function nodeFacts(ctx: Ctx): Promise<ClusterFacts> {
  const nodes: V1Node[] = (await ctx.core.listNode()).items;
  return clusterFacts(nodes);
}

/** The log of a kiada pod's first container (and its previous run's, if it restarted); "" when none can be read. */
async function kiadaLog(ctx: Ctx, pod: V1Pod, sinceSeconds?: number): Promise<string> {
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  const container = pod.spec?.containers?.[0]?.name;
  const read = async (previous: boolean) => {
    try {
      return await ctx.core.readNamespacedPodLog({ name, namespace, container, previous, ...(sinceSeconds ? { sinceSeconds } : {}) });
    } catch {
      return ''; // not started yet, or no previous run: nothing done there
    }
  };
  const restarted = (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0;
  return (restarted && !sinceSeconds ? await read(true) : '') + (await read(false));
}

/** What a look at the student's namespace shows now; `sinceSeconds` reads only the log's newest part. */
export async function studentMarks(ctx: Ctx, namespace: string, facts: ClusterFacts, pods?: V1Pod[], sinceSeconds?: number): Promise<Marks> {
  const all = pods ?? (await ctx.core.listNamespacedPod({ namespace })).items;
  const logs: Record<string, string> = {};
  for (const pod of all.filter(isKiadaPod)) logs[pod.metadata!.name!] = await kiadaLog(ctx, pod, sinceSeconds);
  return marksFrom(all, logs, facts);
}
