// Which of chapter 5's exercises a student has done, from what any cluster shows: the kiada pod's status, and the
// request lines kiada logs (`Received request for / from <client IP>`), whose client address says the route.
//   the node's bridge, first address of its podCIDR   ::ffff:10.244.N.1   curl-from-node (the book's kind result)
//   (or a node's own address: from another node, or a NodePort SNATed to it)
//   another pod's IP (in a node's podCIDR)             ::ffff:10.244.M.K   curl-from-pod
//   IPv4 loopback                                      ::ffff:127.0.0.1    port-forward: the kubelet (containerd)
//                                                                          dials tcp4 localhost in the pod
//   IPv6 loopback, or the pod's own IP                 ::1                 exec: `curl localhost:8080` inside the
//                                                                          pod, where its curl tries ::1 first
//                                                                          (kiada listens on ::), or `curl [::1]:8080`
// Where two look alike they are merged, and the board says so: `exec -- curl 127.0.0.1:8080` is indistinguishable
// from a port-forward (both arrive from 127.0.0.1) and is marked port-forward — and so is `curl localhost:8080`
// where curl tries 127.0.0.1 first (the lab's pods run this machine's curl; Debian's 7.88 does). `kubectl logs` leaves no trace a
// cluster shows to anyone but an audit log, so it is not an exercise here.
import { BlockList, isIP } from 'node:net';
import type { V1Node, V1Pod } from '@kubernetes/client-node';

export const EXERCISES = ['deployed', 'ready', 'curl-from-node', 'curl-from-pod', 'port-forward', 'exec'] as const;
export type Exercise = (typeof EXERCISES)[number];
export type Marks = Record<Exercise, boolean>;
export const noMarks = (): Marks => Object.fromEntries(EXERCISES.map((e) => [e, false])) as Marks;

/** What the nodes tell: their addresses, and their pod CIDRs (spec.podCIDRs). */
export interface ClusterFacts {
  nodeAddresses: string[];
  podCIDRs: string[];
}

export function clusterFacts(nodes: V1Node[]): ClusterFacts {
  const nodeAddresses = nodes.flatMap((n) => (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address));
  const podCIDRs = nodes.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []));
  return { nodeAddresses, podCIDRs };
}

export interface Request {
  path: string;
  client: string;
}

/** The request lines of kiada's log; anything else (the banner, other apps' lines) is skipped. */
export function parseRequestLog(log: string): Request[] {
  const out: Request[] = [];
  for (const line of log.split('\n')) {
    const m = /^(?:\S+Z )?Received request for (.*) from (\S+)\r?$/.exec(line);
    if (m) out.push({ path: m[1], client: m[2] });
  }
  return out;
}

/** An IPv4-mapped IPv6 address as the IPv4 one ("::ffff:10.244.1.1" → "10.244.1.1"). */
export function plainIP(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip.toLowerCase();
}

function toBig(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  // An IPv6 address with an IPv4 tail (other than the mapped ones plainIP takes apart) matches nothing here.
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return -1n;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBig(n: bigint, v: 4 | 6): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const full = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
  // The WHATWG URL parser writes an IPv6 host in RFC 5952's canonical (compressed) form.
  return new URL(`http://[${full}]/`).hostname.slice(1, -1);
}

/** The first host address of a CIDR: the bridge/gateway a node's own traffic to its pods comes from. */
export function gatewayOf(cidr: string): string | null {
  const [net, bits] = cidr.split('/');
  const v = isIP(net);
  if (!v || bits === undefined) return null;
  const width = v === 4 ? 32 : 128;
  const prefix = Number(bits);
  if (!(prefix >= 0 && prefix < width)) return null;
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - prefix)) - 1n);
  return fromBig((toBig(net) & mask) + 1n, v as 4 | 6);
}

/** The route a request came by, from its client address; null for one from outside the cluster. */
export function routeOf(client: string, facts: ClusterFacts, podIPs: string[] = []): Exercise | null {
  const ip = plainIP(client);
  const v = isIP(ip);
  if (!v) return null;
  if (v === 4 && ip.startsWith('127.')) return 'port-forward';
  if (ip === '::1') return 'exec';
  if (podIPs.map(plainIP).includes(ip)) return 'exec';
  const gateways = facts.podCIDRs.map(gatewayOf).filter((g): g is string => !!g).map((g) => toBig(g));
  if (facts.nodeAddresses.map(plainIP).includes(ip) || gateways.includes(toBig(ip))) return 'curl-from-node';
  if (facts.podCIDRs.length === 0) return 'curl-from-pod'; // no ranges known: any other address is, as far as can be told, a pod's
  const pods = new BlockList();
  for (const c of facts.podCIDRs) {
    const [net, bits] = c.split('/');
    const t = isIP(net);
    if (t) pods.addSubnet(net, Number(bits), t === 4 ? 'ipv4' : 'ipv6');
  }
  return pods.check(ip, v === 4 ? 'ipv4' : 'ipv6') ? 'curl-from-pod' : null;
}

/** The student's kiada pods: the book's name, or the label its manifest gives. */
export const isKiadaPod = (p: V1Pod) => p.metadata?.name === 'kiada' || p.metadata?.labels?.app === 'kiada';

const ready = (p: V1Pod) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** The marks one look at a student's namespace gives: its pods, and the logs of its kiada pods (by pod name). */
export function marksFrom(pods: V1Pod[], logs: Record<string, string>, facts: ClusterFacts): Marks {
  const marks = noMarks();
  for (const pod of pods.filter(isKiadaPod)) {
    marks.deployed = true;
    if (ready(pod)) marks.ready = true;
    const own = (pod.status?.podIPs ?? []).map((p) => p.ip).concat(pod.status?.podIP ? [pod.status.podIP] : []);
    for (const r of parseRequestLog(logs[pod.metadata!.name!] ?? '')) {
      const route = routeOf(r.client, facts, own);
      if (route) marks[route] = true;
    }
  }
  return marks;
}

/** Marks only ever gain: once done, an exercise stays done (the pod may since have restarted or gone). */
export function mergeMarks(a: Marks, b: Marks): Marks {
  return Object.fromEntries(EXERCISES.map((e) => [e, a[e] || b[e]])) as Marks;
}

export const missing = (m: Marks): Exercise[] => EXERCISES.filter((e) => !m[e]);
