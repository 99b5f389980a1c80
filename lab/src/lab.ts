// Wires the lab together: dataplane (namespaces) → store (objects) → kubelet (pods) → API server (kubectl).
import { createDataplane } from './net/index.ts';
import { createStore } from './store/index.ts';
import { createKubelet } from './kubelet/index.ts';
import { createApiServer, generateCerts, writeKubeconfig, buildNodes, type ApiServer } from './api/index.ts';
import { Callers } from './callers.ts';
import { removeKubeconfig } from './api/kubeconfig.ts';
import type { Owner } from './owned-dir.ts';
import { createUpgradeHandler } from './upgrades.ts';
import { createTracing } from './trace/index.ts';
import { REPO_ROOT } from './paths.ts';
import { randomBytes } from 'node:crypto';

export interface LabOptions {
  id: string;
  /** Where the namespace agents' sockets go: a directory only root can enter. */
  socketDir: string;
  kubeconfig: string;
  /** Whose kubeconfig it is (the user the lab works for; under sudo, not root). */
  owner: Owner;
  /** 0 = any free port on 127.0.0.1. */
  port?: number;
  log?: (msg: string) => void;
}

export interface RunningLab {
  port: number;
  kubeconfig: string;
  nodes: { name: string; agentPid: number; netns: string }[];
  stop(): Promise<void>;
}

export async function startLab(opts: LabOptions): Promise<RunningLab> {
  const log = opts.log ?? (() => {});
  const undo: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of undo.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${(err as Error).message}`);
      }
    }
  };
  try {
    const dataplane = await createDataplane({ id: opts.id, socketDir: opts.socketDir });
    undo.push(() => dataplane.destroy());
    log(`dataplane up: ${dataplane.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}`);

    const store = createStore();
    for (const node of buildNodes(dataplane.nodes)) store.create('nodes', node);

    const kubelet = createKubelet({ store, dataplane, repoRoot: REPO_ROOT });
    undo.push(() => kubelet.stop());

    const callers = new Callers();
    let api: ApiServer | undefined;
    const tracing = createTracing({ store, kubelet, nodes: dataplane.nodes, mayRead: callers.mayReadLogs(() => api?.authorizer) });
    undo.push(async () => tracing.stop());

    const token = randomBytes(24).toString('hex');
    const tls = await generateCerts();
    api = await createApiServer({
      store,
      kubelet,
      token,
      tls,
      port: opts.port ?? 0,
      upgrades: createUpgradeHandler(kubelet, store, tracing),
      aggregated: tracing.serve,
      onAuthenticated: (req, user) => callers.seen(req, user),
    });
    undo.push(() => api!.close());
    writeKubeconfig(opts.kubeconfig, { server: `https://127.0.0.1:${api.port}`, ca: tls.ca, token }, opts.owner);
    undo.push(async () => removeKubeconfig(opts.kubeconfig, opts.owner));
    log(`API server on https://127.0.0.1:${api.port}`);

    return {
      port: api.port,
      kubeconfig: opts.kubeconfig,
      nodes: dataplane.nodes.map((n) => ({ name: n.name, agentPid: n.agentPid, netns: n.netns })),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
