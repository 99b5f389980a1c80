// Server-side printing (meta.k8s.io/v1 Table): the columns kubectl shows, computed as kube-apiserver does
// (pkg/printers/internalversion/printers.go).
import type { Obj, Resource } from '../store/index.ts';
import { since } from './age.ts';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}
const col = (name: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, description: name, priority });

const COLUMNS: Record<Resource, Column[]> = {
  pods: [col('Name', 0, 'string', 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 1), col('Node', 1), col('Nominated Node', 1), col('Readiness Gates', 1)],
  nodes: [col('Name', 0, 'string', 'name'), col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 1), col('External-IP', 1), col('OS-Image', 1), col('Kernel-Version', 1), col('Container-Runtime', 1)],
  namespaces: [col('Name', 0, 'string', 'name'), col('Status'), col('Age')],
  events: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 1), col('Source', 1), col('Message'), col('First Seen', 1), col('Count', 1, 'integer'), col('Name', 1)],
};

/** The STATUS column of `kubectl get pods`. */
export function podStatusReason(pod: Obj): string {
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  let hasRunning = false;
  const statuses: Obj[] = pod.status?.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i];
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state?.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) {
    const ready = (pod.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
    reason = ready ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podRow(pod: Obj, now: number): unknown[] {
  const statuses: Obj[] = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? 0;
  const ready = statuses.filter((c) => c.ready).length;
  let restarts = 0;
  let lastRestart: number | undefined;
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const t = c.lastState?.terminated?.finishedAt;
    if (t && (lastRestart === undefined || Date.parse(t) > lastRestart)) lastRestart = Date.parse(t);
  }
  const restartText = restarts > 0 && lastRestart !== undefined ? `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
  const gates: Obj[] = pod.spec?.readinessGates ?? [];
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatusReason(pod),
    restartText,
    since(pod.metadata.creationTimestamp, now),
    pod.status?.podIP || '<none>',
    pod.spec?.nodeName || '<none>',
    pod.status?.nominatedNodeName || '<none>',
    gates.length ? `0/${gates.length}` : '<none>',
  ];
}

function nodeRow(node: Obj, now: number): unknown[] {
  const ready = (node.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
  let status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (node.spec?.unschedulable) status += ',SchedulingDisabled';
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length))
    .sort();
  const addr = (t: string) => (node.status?.addresses ?? []).find((a: Obj) => a.type === t)?.address ?? '<none>';
  const info = node.status?.nodeInfo ?? {};
  return [
    node.metadata.name,
    status,
    roles.length ? roles.join(',') : '<none>',
    since(node.metadata.creationTimestamp, now),
    info.kubeletVersion ?? '',
    addr('InternalIP'),
    addr('ExternalIP'),
    info.osImage ?? '<unknown>',
    info.kernelVersion ?? '<unknown>',
    info.containerRuntimeVersion ?? '<unknown>',
  ];
}

function eventRow(e: Obj, now: number): unknown[] {
  const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  const first = e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  const source = [e.source?.component, e.source?.host].filter(Boolean).join(', ');
  return [
    since(last, now),
    e.type ?? '',
    e.reason ?? '',
    `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
    e.involvedObject?.fieldPath ?? '',
    source,
    (e.message ?? '').trim(),
    since(first, now),
    e.count ?? 1,
    e.metadata.name,
  ];
}

const ROWS: Record<Resource, (o: Obj, now: number) => unknown[]> = {
  pods: podRow,
  nodes: nodeRow,
  namespaces: (ns, now) => [ns.metadata.name, ns.status?.phase ?? 'Active', since(ns.metadata.creationTimestamp, now)],
  events: eventRow,
};

export function toTable(resource: Resource, items: Obj[], resourceVersion: string, withColumns = true): Obj {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: withColumns ? COLUMNS[resource] : null,
    rows: items.map((o) => ({
      cells: ROWS[resource](o, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

export const wantsTable = (accept: string | undefined) => !!accept && /as=Table/.test(accept);
