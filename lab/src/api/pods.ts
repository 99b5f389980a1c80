// Pod defaulting as the API server does it (SetDefaults_Pod and friends), before validation: what `-o yaml` shows
// on kind, and the values validation then checks (a probe's periodSeconds 0 becomes 10, as in Kubernetes).
import type { Obj } from '../store/index.ts';

function pullPolicy(image: string): string {
  const last = image.split('/').pop() ?? image;
  const tag = last.includes('@') ? 'digest' : last.includes(':') ? last.split(':')[1] : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  if (p.httpGet) {
    p.httpGet.path ||= '/';
    p.httpGet.scheme ||= 'HTTP';
  }
}

function defaultContainer(c: Obj): void {
  c.imagePullPolicy ||= pullPolicy(c.image ?? '');
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ||= 'TCP';
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
  for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) defaultProbe(p);
}

/** The spec defaults a real API server fills in, so `-o yaml` looks as on kind. Safe on any decoded pod. */
export function defaultPodSpec(pod: Obj): Obj {
  pod.apiVersion = 'v1';
  pod.kind = 'Pod';
  pod.metadata ??= {};
  const spec = (pod.spec ??= {});
  spec.restartPolicy ||= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.schedulerName ||= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ||= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  spec.serviceAccount ||= spec.serviceAccountName;
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c);
  return pod;
}

/** A new pod's first status. */
export function initialStatus(pod: Obj): Obj {
  const hasResources = (pod.spec.containers ?? []).some((c: Obj) => c.resources?.requests || c.resources?.limits);
  return { phase: 'Pending', qosClass: hasResources ? 'Burstable' : 'BestEffort' };
}
