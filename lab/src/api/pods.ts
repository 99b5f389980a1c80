// Pod defaulting as the API server does it (SetDefaults_Pod and friends), before validation: what `-o yaml` shows
// on kind, and the values validation then checks (a probe's periodSeconds 0 becomes 10, as in Kubernetes).
import type { Obj } from '../store/index.ts';
import { setOwn } from './own-json.ts';

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

/** SetDefaults_Pod: a resource with a limit and no request is requested at its limit. */
function defaultRequests(c: Obj): void {
  const limits = c.resources?.limits;
  if (!limits) return;
  const requests = (c.resources.requests ??= {});
  for (const k of Object.keys(limits)) if (!Object.hasOwn(requests, k)) setOwn(requests, k, limits[k]);
}

const VOLUME_SOURCES_WITH_MODE = ['secret', 'configMap', 'downwardAPI', 'projected'];

/** SetDefaults_Volume and its sources: no source is an emptyDir; files get mode 0644 (420); hostPath type "". */
function defaultVolume(v: Obj): void {
  if (!Object.keys(v).some((k) => k !== 'name')) v.emptyDir = {};
  for (const k of VOLUME_SOURCES_WITH_MODE) if (v[k] && typeof v[k] === 'object') v[k].defaultMode ??= 420;
  if (v.hostPath && typeof v.hostPath === 'object') v.hostPath.type ??= '';
  for (const item of v.downwardAPI?.items ?? []) if (item?.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  for (const src of v.projected?.sources ?? []) {
    if (src?.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
    for (const item of src?.downwardAPI?.items ?? []) if (item?.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  c.imagePullPolicy ||= pullPolicy(c.image ?? '');
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) {
    p.protocol ||= 'TCP';
    // A pod on the node's network listens on the node's ports.
    if (hostNetwork) p.hostPort ||= p.containerPort;
  }
  defaultRequests(c);
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
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c, spec.hostNetwork === true);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  return pod;
}

/** A new pod's first status. */
export function initialStatus(pod: Obj): Obj {
  const hasResources = (pod.spec.containers ?? []).some((c: Obj) => c.resources?.requests || c.resources?.limits);
  return { phase: 'Pending', qosClass: hasResources ? 'Burstable' : 'BestEffort' };
}
