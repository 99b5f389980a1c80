// Reading the pod the commands are about, with kubectl's errors for the cases readers hit.
import net from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import type { ApiCtx } from './context.ts';
import { CliError } from './errors.ts';
import { getRaw } from './raw-get.ts';
import { podPath } from './pod-output.ts';

/**
 * The pod as the server sends it, in one GET (as kubectl get): client-node's typed read would first load every API
 * model (~50 ms of a ~100 ms command). Its timestamps stay strings, which nothing here reads as dates.
 */
export async function getPod(ctx: ApiCtx, name: string): Promise<V1Pod> {
  return (await getRaw(ctx, podPath(ctx, name))) as V1Pod;
}

export function requireRunning(pod: V1Pod): void {
  const phase = pod.status?.phase;
  if (phase !== 'Running') throw new CliError(`error: pod ${pod.metadata?.name} is not running (phase ${phase ?? 'Unknown'})`);
}

/** The container a command acts on: the one named (it must be in the pod, as kubectl checks), else the first. */
export function containerOf(pod: V1Pod, name?: string): string {
  if (name === undefined) return pod.spec?.containers[0]?.name ?? '';
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  if (!all.some((c) => c.name === name)) throw new CliError(`error: container ${name} is not valid for pod ${pod.metadata?.name}`);
  return name;
}

export function requireIP(pod: V1Pod): string {
  const ip = pod.status?.podIP;
  if (!ip) throw new CliError(`error: pod ${pod.metadata?.name} has no IP yet (phase ${pod.status?.phase ?? 'Unknown'})`);
  // It goes into URLs and, on GKE, into a node's command line: an IP address and nothing else, whatever the API said.
  if (!net.isIP(ip)) throw new CliError(`error: pod ${pod.metadata?.name} has an invalid status.podIP ${JSON.stringify(ip.length > 60 ? `${ip.slice(0, 57)}...` : ip)}: not an IP address`);
  return ip;
}

/** A port given as a number or as the name of a container port ("http"). */
export function resolvePort(pod: V1Pod, port: string): number {
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n < 1 || n > 65535) throw new CliError(`error: invalid port ${port}`);
    return n;
  }
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  throw new CliError(`error: Pod '${pod.metadata?.name}' does not have a named port '${port}'`);
}

export function firstPort(pod: V1Pod): number {
  return pod.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 8080;
}
