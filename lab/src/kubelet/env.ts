// A container's environment and command line as the kubelet builds them (kubelet_pods.go makeEnvironmentVariables,
// podFieldSelectorRuntimeValue, the forked expansion package). What it cannot build is a ConfigError, worded as
// the kubelet words it: the container then waits in CreateContainerConfigError.
import type { Obj } from '../store/index.ts';

export class ConfigError extends Error {}

/** What the kubelet knows besides the pod object when it resolves fieldRefs. */
export interface PodAddresses {
  podIP: string;
  hostIP: string;
}

// The runtime's own variables (an image's ENV, the hostname); they are not visible to $(VAR) expansion.
export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const baseEnv = (hostname: string): Record<string, string> => ({ PATH: BASE_PATH, HOSTNAME: hostname, HOME: '/root' });

/**
 * $(VAR) expansion as k8s.io/kubernetes/third_party/forked/golang/expansion: `$(NAME)` is replaced when NAME is
 * known and kept as written when not, `$$` is a literal `$`, anything else stays as it is.
 */
export function expand(input: string, vars: Record<string, string>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') out += '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) out += '$(';
      else {
        const name = rest.slice(1, close);
        out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
        advance = close + 1;
      }
    } else out += `$${rest[0]}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** command/args: absent, or a list of strings (anything else never passes an API server). */
export function stringList(value: unknown, field: string, container: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new ConfigError(`invalid ${field} for container "${container}": ${JSON.stringify(value) ?? String(value)} is not a list of strings`);
}

const SUPPORTED_FIELDS = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName',
  'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]);

/** "metadata.labels['app']" → ["metadata.labels", "app"] (fieldpath.SplitMaybeSubscriptedPath). */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const i = path.indexOf("['");
  if (i <= 0) return undefined;
  return [path.slice(0, i), path.slice(i + 2, -2)];
}

// fieldpath.FormatMap: sorted key="value" lines (Go's %q ≈ JSON string quoting).
const formatMap = (m: unknown) =>
  Object.entries(m && typeof m === 'object' ? (m as Record<string, unknown>) : {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
    .join('\n');

/** A fieldRef's value (podFieldSelectorRuntimeValue), or the kubelet's error for it. */
export function fieldRefValue(ref: Obj, pod: Obj, at: PodAddresses): string {
  const version = ref.apiVersion ?? 'v1';
  if (version !== 'v1') throw new ConfigError(`unsupported pod version: ${String(version)}`);
  let label = String(ref.fieldPath);
  const sub = splitSubscript(label);
  if (sub) {
    if (sub[0] !== 'metadata.annotations' && sub[0] !== 'metadata.labels') throw new ConfigError(`field label does not support subscript: ${label}`);
    return String(pod.metadata?.[sub[0].slice('metadata.'.length)]?.[sub[1]] ?? '');
  }
  if (label === 'spec.host') label = 'spec.nodeName';
  if (!SUPPORTED_FIELDS.has(label)) throw new ConfigError(`field label not supported: ${label}`);
  switch (label) {
    case 'spec.nodeName': return String(pod.spec?.nodeName ?? '');
    case 'spec.serviceAccountName': return String(pod.spec?.serviceAccountName ?? '');
    case 'status.hostIP': case 'status.hostIPs': return at.hostIP;
    case 'status.podIP': case 'status.podIPs': return at.podIP;
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations);
    case 'metadata.labels': return formatMap(pod.metadata?.labels);
    case 'metadata.name': case 'metadata.namespace': case 'metadata.uid': return String(pod.metadata?.[label.slice('metadata.'.length)] ?? '');
  }
  // Accepted by the label conversion, not by the kubelet's value lookup (spec.restartPolicy, status.phase, …).
  throw new ConfigError(`unsupported fieldPath: ${label}`);
}

const listOf = (value: unknown, field: string, container: string): Obj[] => {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((v) => v && typeof v === 'object')) return value;
  throw new ConfigError(`invalid ${field} for container "${container}": ${JSON.stringify(value) ?? String(value)} is not a list of objects`);
};

/**
 * The variables the pod spec gives the container (envFrom, then env, each `value` expanded against those before
 * it). The lab keeps no ConfigMaps or Secrets: a reference to one is "not found" unless it is optional.
 */
export function podEnv(container: Obj, pod: Obj, at: PodAddresses): Record<string, string> {
  const name = String(container.name);
  const vars: Record<string, string> = Object.create(null); // a variable may be called __proto__
  for (const from of listOf(container.envFrom, 'envFrom', name)) {
    const ref = from.configMapRef ? ['configmap', from.configMapRef] : from.secretRef ? ['secret', from.secretRef] : undefined;
    if (ref && ref[1].optional !== true) throw new ConfigError(`${ref[0]} "${String(ref[1].name)}" not found`);
  }
  for (const e of listOf(container.env, 'env', name)) {
    if (typeof e.name !== 'string' || e.name === '') throw new ConfigError(`invalid env for container "${name}": ${JSON.stringify(e)} has no name`);
    const from = e.valueFrom;
    let value: string | undefined;
    if (e.value !== undefined && e.value !== null && e.value !== '') {
      if (typeof e.value === 'object') throw new ConfigError(`invalid value for env var "${e.name}": ${JSON.stringify(e.value)} is not a string`);
      value = expand(String(e.value), vars);
    } else if (from && typeof from === 'object') {
      if (from.fieldRef) value = fieldRefValue(from.fieldRef, pod, at);
      else if (from.configMapKeyRef || from.secretKeyRef) {
        const [kind, ref] = from.configMapKeyRef ? ['configmap', from.configMapKeyRef] : ['secret', from.secretKeyRef];
        if (ref.optional === true) continue;
        throw new ConfigError(`${kind} "${String(ref.name)}" not found`);
      } else if (from.resourceFieldRef) continue; // no resource accounting in the lab: left unset
      else value = '';
    } else value = '';
    vars[e.name] = value;
  }
  return vars;
}
