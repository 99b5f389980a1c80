// Wires the lab together: dataplane (namespaces) → store (objects) → kubelet (pods) → API server (kubectl).
import fs from 'node:fs';
import path from 'node:path';
import { createDataplane, ImageLayers } from './net/index.ts';
import { createStore } from './store/index.ts';
import { createKubelet, preloadImages } from './kubelet/index.ts';
import { createApiServer, generateCerts, generateSigningKey, writeKubeconfig, buildNodes, type ApiServer, type UpgradeHandler } from './api/index.ts';
import { Callers } from './callers.ts';
import { removeKubeconfig } from './api/kubeconfig.ts';
import type { Owner } from './owned-dir.ts';
import { createTracing } from './trace/index.ts';
import { REPO_ROOT } from './paths.ts';
import { DEFAULT_HOST, listenAddresses, listenError, serverUrl } from './listen.ts';
import { randomBytes } from 'node:crypto';

/** How long after the lab is ready the streaming protocols are loaded (lab.ts). */
const UPGRADES_AFTER_MS = 500;

export interface LabOptions {
  id: string;
  /** Where the namespace agents' sockets go: a directory only root can enter. */
  socketDir: string;
  kubeconfig: string;
  /** Whose kubeconfig it is (the user the lab works for; under sudo, not root). */
  owner: Owner;
  /** Where the API listens and what the kubeconfig and the certificate name (`lab up --listen`); default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  log?: (msg: string) => void;
  /** The daemon's cache directory (root's alone): the API's schema and the images' layers are kept there between starts. */
  cacheDir?: string;
}

export interface RunningLab {
  host: string;
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
  // The certificates need nothing of the dataplane: made while it starts (openssl runs beside the `ip` commands), in
  // the registry's sockets directory, which `lab down` removes even when a signal ended this daemon mid-way.
  const host = opts.host ?? DEFAULT_HOST;
  fs.mkdirSync(opts.socketDir, { recursive: true, mode: 0o700 });
  const certs = generateCerts([host], opts.socketDir);
  certs.catch(() => {}); // awaited below; a failure of the dataplane first must not leave it unhandled
  // So is the service accounts' signing key (RSA, on libuv's threads).
  const signingKey = generateSigningKey();
  signingKey.catch(() => {});
  try {
    // The images' files (kiada's node_modules) are copied while the nodes are made, or found made by an earlier lab
    // in the daemon's cache directory: the first pod finds them ready. Kept per user the labs work for: a layer is
    // named by its files' metadata, which one user must not be able to make another user's pods take.
    const layers = new ImageLayers(opts.cacheDir ? path.join(opts.cacheDir, 'kiada-layers', String(opts.owner.uid)) : path.join(opts.socketDir, 'layers'));
    void preloadImages({ repoRoot: REPO_ROOT, layer: (name, fill) => layers.layer(name, fill) });
    const dataplane = await createDataplane({ id: opts.id, socketDir: opts.socketDir, layers });
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

    let upgrades: Promise<UpgradeHandler> | undefined;
    const loadUpgrades = () => (upgrades ??= import('./upgrades.ts').then((m) => m.createUpgradeHandler(kubelet, store, tracing)));
    const token = randomBytes(24).toString('hex');
    const tls = await certs;
    const hosts = await listenAddresses(host);
    api = await createApiServer({
      store,
      kubelet,
      token,
      tls,
      signingKey,
      cacheDir: opts.cacheDir,
      hosts,
      advertise: host,
      port: opts.port ?? 0,
      upgrades: (kind, pod, req, socket, head) =>
        void loadUpgrades().then((h) => h(kind, pod, req, socket, head), (err) => {
          log(`exec, attach and port-forward: ${(err as Error).message}`);
          socket.destroy();
        }),
      aggregated: tracing.serve,
      onAuthenticated: (req, user) => callers.seen(req, user),
    }).catch((err) => {
      throw (err as NodeJS.ErrnoException).syscall === 'listen' ? listenError((err as { address?: string }).address ?? host, opts.port ?? 0, err, host) : err;
    });
    undo.push(() => api!.close());
    await dataplane.nodesReady;
    const server = serverUrl(host, api.port);
    writeKubeconfig(opts.kubeconfig, { server, ca: tls.ca, token }, opts.owner);
    undo.push(async () => removeKubeconfig(opts.kubeconfig, opts.owner));
    log(`API server on ${server}${hosts.length > 1 || hosts[0] !== host ? ` (${hosts.join(', ')})` : ''}`);
    // Once the daemon has said it is ready (the continuations of this return run first), while the first kubectl
    // starts: the OpenAPI documents its apply asks for first.
    setImmediate(() => void api!.prepare().catch((err) => log(`OpenAPI documents: ${(err as Error).message}`)));
    // The streaming protocols (exec, attach, port-forward: stream/ and ws, ~30 ms of loading) once the lab has been
    // ready a moment (a first pod's start is done by then); an upgrade that comes sooner loads them itself.
    setTimeout(() => void loadUpgrades().catch(() => {}), UPGRADES_AFTER_MS).unref();

    return {
      host,
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
