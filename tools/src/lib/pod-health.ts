// Why a pod is not Running and Ready, in the words `kubectl get pod` and `kubectl describe pod` show: the
// container's real state (CrashLoopBackOff with its last exit code, ImagePullBackOff, CreateContainerConfigError …),
// not a guess from the phase.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

function containerProblem(cs: V1ContainerStatus, hasReadinessProbe: boolean): string | undefined {
  const { waiting, terminated, running } = cs.state ?? {};
  const restarts = cs.restartCount ? `, ${cs.restartCount} restart${cs.restartCount === 1 ? '' : 's'}` : '';
  if (waiting?.reason === 'CrashLoopBackOff') {
    const last = cs.lastState?.terminated;
    const exit = last ? `, last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
    return `container ${cs.name} is in CrashLoopBackOff${exit}${restarts}`;
  }
  if (waiting) return `container ${cs.name} is waiting: ${waiting.reason ?? 'ContainerCreating'}${waiting.message ? ` (${waiting.message})` : ''}`;
  if (terminated) {
    return `container ${cs.name} has terminated with exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}${restarts}`;
  }
  if (running && !cs.ready) {
    return `container ${cs.name} is running but not ready${hasReadinessProbe ? ' (its readiness probe fails)' : ''}${restarts}`;
  }
  return undefined;
}

/** Undefined for a pod that is Running and Ready; else what is wrong, as one line. */
export function whyNotReady(pod: V1Pod): string | undefined {
  const st = pod.status ?? {};
  const ready = st.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (pod.metadata?.deletionTimestamp) return 'it is Terminating (being deleted)';
  if (st.phase === 'Running' && ready) return undefined;
  if (!pod.spec?.nodeName) {
    const scheduled = st.conditions?.find((c) => c.type === 'PodScheduled');
    const why = scheduled?.status === 'False' && scheduled.message ? `: ${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message}` : '';
    return `Pending, not scheduled to a node${why}`;
  }
  const probes = new Set((pod.spec.containers ?? []).filter((c) => c.readinessProbe).map((c) => c.name));
  // Init containers first: the app's containers wait for them.
  for (const cs of [...(st.initContainerStatuses ?? []).filter((c) => !(c.state?.terminated?.exitCode === 0)), ...(st.containerStatuses ?? [])]) {
    const problem = containerProblem(cs, probes.has(cs.name));
    if (problem) return problem;
  }
  const reason = st.reason ? ` (${st.reason}${st.message ? `: ${st.message}` : ''})` : '';
  return st.phase === 'Running' ? `Running but not Ready${reason}` : `phase is ${st.phase ?? 'Unknown'}${reason}`;
}
