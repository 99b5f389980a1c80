// The hop model shared by `kiada trace` and `kiada diagnose`: one request's route to the pod as named hops, in
// order, each observed (ok true/false) or not (ok null: kiada could not see it, and says so rather than guess).
// A failing hop carries the component's own error and ends the list: the hops after it are not listed.
import { formatData } from './print.ts';

export type Method = 'node' | 'pod' | 'port-forward' | 'exec';
export const METHODS: readonly Method[] = ['node', 'pod', 'port-forward', 'exec'];

/**
 * Each route's hops, named as the book's figures draw them. The same names are the lab's (its trace events):
 *   node          kiada enters the node (lab: its network namespace; kind: docker exec) → curl reaches the
 *                 pod's eth0 from the node's bridge → the app
 *   pod           a one-off client pod runs → its curl reaches the pod's eth0 → the app
 *   port-forward  a local listener accepts → the tunnel to the API server is upgraded → the API server hands
 *                 it to the pod's kubelet → the kubelet opens the stream → it connects to the pod's loopback → the app
 *   exec          the tunnel is upgraded → the API server → the kubelet starts curl in the pod → curl connects
 *                 to the pod's loopback → the app
 */
export const HOPS: Record<Method, readonly string[]> = {
  node: ['node shell', 'pod eth0', 'app'],
  pod: ['client pod', 'pod eth0', 'app'],
  'port-forward': ['local listener', 'tunnel', 'API server', 'kubelet', 'pod loopback', 'app'],
  exec: ['tunnel', 'API server', 'kubelet', 'pod loopback', 'app'],
};

export interface Hop {
  name: string;
  /** true: seen to work; false: seen to fail (error says how); null: not observed. */
  ok: boolean | null;
  /** Milliseconds from the start of the request to when this hop was seen (null when not observed). */
  ms: number | null;
  detail: string;
  error?: string;
}

export interface Trace {
  method: Method;
  pod: string;
  ok: boolean;
  clientIP: string | null;
  hops: Hop[];
}

/** What was seen at one hop, by kiada or by the lab. */
export interface Observation {
  ok: boolean;
  ms: number;
  detail: string;
  error?: string;
}

const NOT_OBSERVED: Record<string, string> = {
  'API server': 'not observed: the API server does not report its side (on the lab it does)',
  kubelet: 'not observed: the kubelet does not report its side (on the lab it does)',
  'pod loopback': 'not observed: nothing reports this connection (on the lab the kubelet does)',
};

/**
 * The route's hops from what was observed: in the route's order, up to and including the first that failed.
 * A hop seen by nobody is listed as not observed, never made up.
 */
export function buildHops(method: Method, seen: Map<string, Observation>): Hop[] {
  const hops: Hop[] = [];
  for (const name of HOPS[method]) {
    const o = seen.get(name);
    if (!o) {
      hops.push({ name, ok: null, ms: null, detail: NOT_OBSERVED[name] ?? 'not observed' });
      continue;
    }
    hops.push({ name, ok: o.ok, ms: Math.round(o.ms * 10) / 10, detail: o.detail, ...(o.ok ? {} : { error: o.error ?? 'failed' }) });
    if (!o.ok) break;
  }
  return hops;
}

/** The trace of a route: ok only if its last hop (the app) was seen answering. */
export function makeTrace(method: Method, pod: string, seen: Map<string, Observation>, clientIP: string | null): Trace {
  const hops = buildHops(method, seen);
  const last = hops.at(-1);
  const ok = hops.length === HOPS[method].length && last?.ok === true;
  return { method, pod, ok, clientIP: ok ? clientIP : null, hops };
}

/** Why the app sees the client IP it sees, in one line. */
export function clientIPReason(method: Method, clientIP: string): string {
  switch (method) {
    case 'node':
      return `curl on the node reaches its pods over the node's bridge (cni0), so the app sees the bridge's address ${clientIP}`;
    case 'pod':
      return `pod-to-pod traffic is not translated: the app sees the client pod's own IP ${clientIP}`;
    case 'port-forward':
      return `the kubelet connects to the pod's loopback from inside the pod's network namespace, so the app sees ${clientIP}`;
    case 'exec':
      return `curl runs inside the pod and connects to its loopback, so the app sees ${clientIP}`;
  }
}

const mark = (ok: boolean | null) => (ok === null ? '·' : ok ? '✔' : '✘');
const msText = (ms: number | null) => (ms === null ? '' : `+${ms.toFixed(1)} ms`);

/** The trace as a person reads it (text), or as `-o json` / `-o yaml` print it. */
export function formatTrace(t: Trace, output?: string): string {
  if (output === 'json' || output === 'yaml') return formatData(output, t);
  const width = Math.max(...t.hops.map((h) => h.name.length));
  const msWidth = Math.max(0, ...t.hops.map((h) => msText(h.ms).length));
  const lines = t.hops.map((h, i) => {
    const text = h.ok === false ? `${h.error}` : h.detail;
    return `${mark(h.ok)} ${i + 1}. ${h.name.padEnd(width)}  ${msText(h.ms).padStart(msWidth)}  ${text}`;
  });
  if (t.ok && t.clientIP) lines.push(`Client IP the app saw: ${t.clientIP} (${clientIPReason(t.method, t.clientIP)})`);
  else {
    const failed = t.hops.find((h) => h.ok === false);
    lines.push(`The request stopped at hop "${failed?.name ?? t.hops.at(-1)?.name}".`);
  }
  return lines.join('\n') + '\n';
}
