// What `kiada view` draws, kept current: the nodes and the namespace's pods (informers: a list, then a watch,
// relisted when the watch ends), and on the lab its trace events as they happen.
import { makeInformer, type KubernetesObject, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../../lib/context.ts';
import type { LabEvent, LabTraces } from '../trace/lab-api.ts';

export interface NodeView {
  name: string;
  internalIP: string | null;
  podCIDR: string | null;
  /** The node's side of its pods' network: the first address of its pod CIDR (the lab's and kind's cni0). */
  bridge: string | null;
  ready: boolean;
}

export interface PodView {
  namespace: string;
  name: string;
  node: string | null;
  ip: string | null;
  phase: string;
  ready: boolean;
  hostNetwork: boolean;
  deleting: boolean;
  ports: number[];
}

export interface ClusterView {
  context: string;
  namespace: string;
  apiServer: string;
  /** Whether this is the lab, whose every hop is reported (elsewhere only kiada's own traces are drawn). */
  lab: boolean;
  nodes: NodeView[];
  pods: PodView[];
}

/** The first host address of an IPv4 CIDR: 10.244.1.0/24 → 10.244.1.1. */
export function firstHost(cidr: string | undefined): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(cidr ?? '');
  if (!m) return null;
  const n = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const nodeView = (n: V1Node): NodeView => ({
  name: n.metadata?.name ?? '',
  internalIP: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? null,
  podCIDR: n.spec?.podCIDR ?? null,
  bridge: firstHost(n.spec?.podCIDR),
  ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
});

const podView = (p: V1Pod): PodView => ({
  namespace: p.metadata?.namespace ?? '',
  name: p.metadata?.name ?? '',
  node: p.spec?.nodeName ?? null,
  ip: p.status?.podIP ?? null,
  phase: p.status?.phase ?? 'Pending',
  ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  hostNetwork: !!p.spec?.hostNetwork,
  deleting: !!p.metadata?.deletionTimestamp,
  ports: (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((x) => x.containerPort)),
});

export interface WatchedCluster {
  snapshot(): ClusterView;
  stop(): Promise<void>;
}

/**
 * Watches the cluster: `onChange` after every change of a node or pod (a burst gives one call), `onTrace` for each
 * of the lab's trace events from now on.
 */
export async function watchCluster(ctx: Ctx, lab: LabTraces | null, on: { change: () => void; trace: (e: LabEvent) => void; error: (msg: string) => void }): Promise<WatchedCluster> {
  const nodes = makeInformer<V1Node>(ctx.kc, '/api/v1/nodes', () => ctx.core.listNode());
  const pods = makeInformer<V1Pod>(ctx.kc, `/api/v1/namespaces/${ctx.namespace}/pods`, () => ctx.core.listNamespacedPod({ namespace: ctx.namespace }));
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      on.change();
    }, 30);
  };
  let stopped = false;
  const informers = [nodes, pods] as const;
  for (const inf of informers) {
    const i = inf as unknown as { on(v: string, cb: (o?: KubernetesObject) => void): void; start(): Promise<void> };
    for (const verb of ['add', 'update', 'delete']) i.on(verb, changed);
    // A watch that fails is started again after a moment (client-node's informer stops on an error).
    i.on('error', (err?: unknown) => {
      if (stopped) return;
      on.error(`watch: ${(err as Error)?.message ?? err}; retrying`);
      setTimeout(() => void (stopped || i.start().catch(() => undefined)), 1000);
    });
  }
  await Promise.all(informers.map((i) => i.start()));

  // The lab's trace events from now on: a watch from the current resourceVersion, resumed after the last seen.
  let stopTraces = () => {};
  if (lab) {
    let rv = (await lab.list()).resourceVersion;
    const watch = async (): Promise<void> => {
      if (stopped) return;
      stopTraces = await lab.watch(
        (e) => {
          rv = e.metadata.resourceVersion;
          on.trace(e);
        },
        (err) => again(err),
        rv,
      );
    };
    // A watch the server ended is resumed after the last event; one that failed (its resourceVersion too old, the
    // lab restarting) starts again from now, half a second later, as often as it takes.
    const again = (err?: unknown) =>
      void (stopped ||
        setTimeout(async () => {
          try {
            if (err) rv = (await lab.list()).resourceVersion;
            await watch();
          } catch (e) {
            again(e);
          }
        }, 500));
    await watch();
  }

  return {
    snapshot: () => ({
      context: ctx.contextName,
      namespace: ctx.namespace,
      apiServer: ctx.kc.getCurrentCluster()?.server ?? '',
      lab: lab !== null,
      nodes: nodes.list().map(nodeView).sort((a, b) => a.name.localeCompare(b.name)),
      pods: pods.list().map(podView).sort((a, b) => a.name.localeCompare(b.name)),
    }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stopTraces();
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
