// The PodSecurity admission plugin (k8s.io/pod-security-admission), for a pod being created: the namespace's
// `pod-security.kubernetes.io/enforce` label names a level (privileged, baseline, restricted; absent: privileged, as
// on kind), and a pod that breaks it is a 403 in the plugin's words:
//   pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)
// The `warn` label gives the same text as a warning (`would violate PodSecurity …`). Each check is the plugin's,
// with its reason and detail; a refusal lists the failed checks in the order of their IDs, as its registry does.
// Not here: AppArmor, SELinux and Windows options (the lab runs none of them), audit, exemptions, and updates (the
// plugin re-checks only a few fields on update).
import type { Obj } from '../store/index.ts';
import { podForbidden } from './limitranger.ts';

export const ENFORCE = 'pod-security.kubernetes.io/enforce';
export const WARN = 'pod-security.kubernetes.io/warn';
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
type Level = (typeof LEVELS)[number];

interface Failure {
  reason: string;
  detail: string;
}
interface Check {
  id: string;
  level: Exclude<Level, 'privileged'>;
  /** A restricted check that takes the place of the baseline one of this id. */
  overrides?: string;
  run(pod: Obj): Failure | null;
}

const plural = (one: string, many: string, n: number) => (n === 1 ? one : many);
const quoted = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');
const containersOf = (pod: Obj): Obj[] => [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
const named = (cs: Obj[], bad: (c: Obj) => boolean) => cs.filter(bad).map((c) => String(c.name));

// The capabilities a container runtime gives by default (the baseline may add only these).
const DEFAULT_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const CHECKS: Check[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', run: (pod) => {
    const bad = named(containersOf(pod), (c) => c.securityContext?.allowPrivilegeEscalation !== false);
    return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${plural('container', 'containers', bad.length)} ${quoted(bad)} must set securityContext.allowPrivilegeEscalation=false` } : null;
  } },
  { id: 'capabilities_baseline', level: 'baseline', run: (pod) => {
    const caps = new Set<string>();
    const bad = named(containersOf(pod), (c) => {
      const extra = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter((cap) => !DEFAULT_CAPS.has(cap));
      extra.forEach((cap) => caps.add(cap));
      return extra.length > 0;
    });
    return bad.length ? { reason: 'non-default capabilities', detail: `${plural('container', 'containers', bad.length)} ${quoted(bad)} must not include ${quoted([...caps])} in securityContext.capabilities.add` } : null;
  } },
  { id: 'capabilities_restricted', level: 'restricted', overrides: 'capabilities_baseline', run: (pod) => {
    const cs = containersOf(pod);
    const noDrop = named(cs, (c) => !((c.securityContext?.capabilities?.drop ?? []) as string[]).includes('ALL'));
    const caps = new Set<string>();
    const adds = named(cs, (c) => {
      const extra = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter((cap) => cap !== 'NET_BIND_SERVICE');
      extra.forEach((cap) => caps.add(cap));
      return extra.length > 0;
    });
    const details = [
      ...(noDrop.length ? [`${plural('container', 'containers', noDrop.length)} ${quoted(noDrop)} must set securityContext.capabilities.drop=["ALL"]`] : []),
      ...(adds.length ? [`${plural('container', 'containers', adds.length)} ${quoted(adds)} must not include ${quoted([...caps])} in securityContext.capabilities.add`] : []),
    ];
    return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : null;
  } },
  { id: 'hostNamespaces', level: 'baseline', run: (pod) => {
    const on = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => pod.spec?.[f] === true).map((f) => `${f}=true`);
    return on.length ? { reason: 'host namespaces', detail: on.join(', ') } : null;
  } },
  { id: 'hostPathVolumes', level: 'baseline', run: (pod) => {
    const bad = ((pod.spec?.volumes ?? []) as Obj[]).filter((v) => v.hostPath).map((v) => String(v.name));
    return bad.length ? { reason: 'hostPath volumes', detail: `${plural('volume', 'volumes', bad.length)} ${quoted(bad)}` } : null;
  } },
  { id: 'hostPorts', level: 'baseline', run: (pod) => {
    const ports: string[] = [];
    const bad = named(containersOf(pod), (c) => {
      const hp = ((c.ports ?? []) as Obj[]).map((p) => p.hostPort).filter((p) => typeof p === 'number' && p !== 0);
      ports.push(...hp.map(String));
      return hp.length > 0;
    });
    return bad.length ? { reason: 'hostPort', detail: `${plural('container', 'containers', bad.length)} ${quoted(bad)} ${plural('uses', 'use', bad.length)} ${plural('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}` } : null;
  } },
  { id: 'privileged', level: 'baseline', run: (pod) => {
    const bad = named(containersOf(pod), (c) => c.securityContext?.privileged === true);
    return bad.length ? { reason: 'privileged', detail: `${plural('container', 'containers', bad.length)} ${quoted(bad)} must not set securityContext.privileged=true` } : null;
  } },
  { id: 'procMount', level: 'baseline', run: (pod) => {
    const bad = named(containersOf(pod), (c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default');
    return bad.length ? { reason: 'procMount', detail: `${plural('container', 'containers', bad.length)} ${quoted(bad)} must not set securityContext.procMount to ${quoted([...new Set(containersOf(pod).filter((c) => bad.includes(c.name)).map((c) => String(c.securityContext.procMount)))])}` } : null;
  } },
  { id: 'restrictedVolumes', level: 'restricted', run: (pod) => {
    const bad: string[] = [];
    const types = new Set<string>();
    for (const v of (pod.spec?.volumes ?? []) as Obj[]) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (type && !RESTRICTED_VOLUMES.has(type)) {
        bad.push(String(v.name));
        types.add(type);
      }
    }
    return bad.length ? { reason: 'restricted volume types', detail: `${plural('volume', 'volumes', bad.length)} ${quoted(bad)} ${plural('uses', 'use', bad.length)} restricted volume ${plural('type', 'types', types.size)} ${quoted([...types])}` } : null;
  } },
  { id: 'runAsNonRoot', level: 'restricted', run: (pod) => {
    const podSays = pod.spec?.securityContext?.runAsNonRoot;
    const bad = named(containersOf(pod), (c) => (c.securityContext?.runAsNonRoot ?? podSays) !== true);
    if (podSays === false) return { reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' };
    return bad.length ? { reason: 'runAsNonRoot != true', detail: `${podSays === true ? plural('container', 'containers', bad.length) : `pod or ${plural('container', 'containers', bad.length)}`} ${quoted(bad)} must ${podSays === true ? 'not set securityContext.runAsNonRoot=false' : 'set securityContext.runAsNonRoot=true'}` } : null;
  } },
  { id: 'runAsUser', level: 'restricted', run: (pod) => {
    const bad = named(containersOf(pod), (c) => c.securityContext?.runAsUser === 0);
    const podRoot = pod.spec?.securityContext?.runAsUser === 0;
    if (!bad.length && !podRoot) return null;
    const parts = [...(podRoot ? ['pod'] : []), ...(bad.length ? [`${plural('container', 'containers', bad.length)} ${quoted(bad)}`] : [])];
    return { reason: 'runAsUser=0', detail: `${parts.join(' and ')} must not set runAsUser=0` };
  } },
  { id: 'seccompProfile_baseline', level: 'baseline', run: (pod) => {
    const podBad = pod.spec?.securityContext?.seccompProfile?.type === 'Unconfined';
    const bad = named(containersOf(pod), (c) => c.securityContext?.seccompProfile?.type === 'Unconfined');
    if (!podBad && !bad.length) return null;
    const parts = [...(podBad ? ['pod'] : []), ...(bad.length ? [`${plural('container', 'containers', bad.length)} ${quoted(bad)}`] : [])];
    return { reason: 'seccompProfile', detail: `${parts.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"` };
  } },
  { id: 'seccompProfile_restricted', level: 'restricted', overrides: 'seccompProfile_baseline', run: (pod) => {
    const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
    const podType = pod.spec?.securityContext?.seccompProfile?.type;
    const podBad = podType !== undefined && !ok(podType);
    const bad = named(containersOf(pod), (c) => {
      const t = c.securityContext?.seccompProfile?.type;
      return t === undefined ? !ok(podType) && !podBad : !ok(t);
    });
    if (!podBad && !bad.length) return null;
    if (podBad) return { reason: 'seccompProfile', detail: `pod must not set securityContext.seccompProfile.type to ${JSON.stringify(podType)}` };
    return { reason: 'seccompProfile', detail: `pod or ${plural('container', 'containers', bad.length)} ${quoted(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  } },
  { id: 'sysctls', level: 'baseline', run: (pod) => {
    const bad = ((pod.spec?.securityContext?.sysctls ?? []) as Obj[]).map((s) => String(s.name)).filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : null;
  } },
];

/** The level a label names; a value that is none is the most restrictive (the plugin fails closed). */
function levelOf(value: unknown): Level {
  return LEVELS.includes(value as Level) ? (value as Level) : 'restricted';
}

/** `reason (detail), reason (detail)` of the checks the pod fails at this level, or "" when it passes. */
export function violations(level: Level, pod: Obj): string {
  if (level === 'privileged') return '';
  const active = CHECKS.filter((c) => c.level === 'baseline' || level === 'restricted');
  const replaced = new Set(active.map((c) => c.overrides).filter(Boolean));
  return active
    .filter((c) => !replaced.has(c.id))
    .map((c) => c.run(pod))
    .filter((f): f is Failure => f !== null)
    .map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason))
    .join(', ');
}

const policyName = (labels: Record<string, string>, key: string) => `${levelOf(labels[key])}:${labels[`${key}-version`] || 'latest'}`;

/** On a pod's create: the 403 of the namespace's enforce level, else the warnings of its warn level. */
export function admitPodSecurity(namespace: Obj | undefined, pod: Obj): string[] {
  const labels: Record<string, string> = namespace?.metadata?.labels ?? {};
  if (labels[ENFORCE] !== undefined) {
    const why = violations(levelOf(labels[ENFORCE]), pod);
    if (why) throw podForbidden(pod.metadata?.name, `violates PodSecurity ${JSON.stringify(policyName(labels, ENFORCE))}: ${why}`);
  }
  if (labels[WARN] !== undefined) {
    const why = violations(levelOf(labels[WARN]), pod);
    if (why) return [`would violate PodSecurity ${JSON.stringify(policyName(labels, WARN))}: ${why}`];
  }
  return [];
}
