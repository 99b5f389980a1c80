// Server-side printing (meta.k8s.io/v1 Table): the columns kubectl shows, computed as kube-apiserver does
// (pkg/printers/internalversion/printers.go).
import type { Obj, Resource } from '../store/index.ts';
import { since } from './age.ts';
import { col, type Column } from './table-column.ts';
import { ACCESS_COLUMNS, ACCESS_ROWS } from './tables-access.ts';

const COLUMNS: Record<Resource, Column[]> = {
  pods: [col('Name', 0, 'string', 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 1), col('Node', 1), col('Nominated Node', 1), col('Readiness Gates', 1)],
  nodes: [col('Name', 0, 'string', 'name'), col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 1), col('External-IP', 1), col('OS-Image', 1), col('Kernel-Version', 1), col('Container-Runtime', 1)],
  namespaces: [col('Name', 0, 'string', 'name'), col('Status'), col('Age')],
  events: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 1), col('Source', 1), col('Message'), col('First Seen', 1), col('Count', 1), col('Name', 1, 'string', 'name')],
  ...ACCESS_COLUMNS,
};

const time = (t: string | undefined) => (t ? Date.parse(t) : 0); // 0: Go's zero time
const restartable = (c: Obj | undefined) => c?.restartPolicy === 'Always'; // a sidecar: an init container that keeps running
const conditionTrue = (pod: Obj, type: string) => (pod.status?.conditions ?? []).some((c: Obj) => c.type === type && c.status === 'True');

/** READY, STATUS and RESTARTS of `kubectl get pods`, computed as printPod does. */
function podSummary(pod: Obj): { ready: number; total: number; reason: string; restarts: number; lastRestart: number } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const inits = new Map<string, Obj>((spec.initContainers ?? []).map((c: Obj) => [c.name, c]));
  let total = (spec.containers ?? []).length + [...inits.values()].filter(restartable).length;
  let ready = 0;
  let reason: string = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c: Obj) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;
  let initializing = false;
  const initStatuses: Obj[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const finished = time(c.lastState?.terminated?.finishedAt);
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finished);
    if (restartable(inits.get(c.name))) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finished);
    }
    const { terminated, waiting } = c.state ?? {};
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable(inits.get(c.name)) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) reason = `Init:${terminated.reason || (terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`)}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${inits.size}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: Obj[] = status.containerStatuses ?? [];
    // From the last container to the first: the first one's state wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, time(c.lastState?.terminated?.finishedAt));
      const { waiting, terminated, running } = c.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      else if (c.ready && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = 'Terminating';
  return { ready, total, reason, restarts, lastRestart };
}

/** The STATUS column of `kubectl get pods`. */
export const podStatusReason = (pod: Obj): string => podSummary(pod).reason;

function podRow(pod: Obj, now: number): unknown[] {
  const { ready, total, reason, restarts, lastRestart } = podSummary(pod);
  const gates: Obj[] = pod.spec?.readinessGates ?? [];
  const gatesTrue = gates.filter((g) => (pod.status?.conditions ?? []).find((c: Obj) => c.type === g.conditionType)?.status === 'True').length;
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    reason,
    restarts !== 0 && lastRestart ? `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts),
    since(pod.metadata.creationTimestamp, now),
    // The v1 → internal conversion makes podIP the first IP when both are set.
    pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || '<none>',
    pod.spec?.nodeName || '<none>',
    pod.status?.nominatedNodeName || '<none>',
    gates.length ? `${gatesTrue}/${gates.length}` : '<none>',
  ];
}

/** A finished pod's row says so (kubectl uses it to tell finished pods apart). */
function podConditions(pod: Obj): Obj[] | undefined {
  if (pod.status?.phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (pod.status?.phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}

function nodeRow(node: Obj, now: number): unknown[] {
  const ready = (node.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
  let status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (node.spec?.unschedulable) status += ',SchedulingDisabled';
  // node-role.kubernetes.io/<role> labels, and the older kubernetes.io/role=<role>.
  const roles = new Set<string>();
  for (const [k, v] of Object.entries<string>(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  const addr = (t: string) => (node.status?.addresses ?? []).find((a: Obj) => a.type === t)?.address ?? '<none>';
  const info = node.status?.nodeInfo ?? {};
  return [
    node.metadata.name,
    status,
    roles.size ? [...roles].sort().join(',') : '<none>',
    since(node.metadata.creationTimestamp, now),
    info.kubeletVersion ?? '',
    addr('InternalIP'),
    addr('ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
  ];
}

function eventRow(e: Obj, now: number): unknown[] {
  const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime ?? undefined, now);
  let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  let count = e.count || 1; // events of the events.k8s.io API have no count: one occurrence
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count;
  }
  const kind = String(e.involvedObject?.kind ?? '').toLowerCase();
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind,
    e.involvedObject?.fieldPath ?? '',
    instance ? `${component}, ${instance}` : component,
    (e.message ?? '').trim(),
    first,
    count,
    e.metadata.name,
  ];
}

const ROWS: Record<Resource, (o: Obj, now: number) => unknown[]> = {
  pods: podRow,
  nodes: nodeRow,
  namespaces: (ns, now) => [ns.metadata.name, ns.status?.phase ?? 'Active', since(ns.metadata.creationTimestamp, now)],
  events: eventRow,
  ...ACCESS_ROWS,
};

export function toTable(resource: Resource, items: Obj[], resourceVersion: string, withColumns = true): Obj {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: withColumns ? COLUMNS[resource] : null,
    rows: items.map((o) => {
      const conditions = resource === 'pods' ? podConditions(o) : undefined;
      return {
        cells: ROWS[resource](o, now),
        ...(conditions ? { conditions } : {}),
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
      };
    }),
  };
}

export const wantsTable = (accept: string | undefined) => !!accept && /as=Table/.test(accept);
