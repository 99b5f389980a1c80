// The lab's kube-apiserver: HTTPS on 127.0.0.1 (or the address of `lab up --listen`), the resources the chapter
// and a workshop use. This file makes the server and hands requests on: auth.ts says who asks, authz.ts whether
// they may (every request, upgrades too), router.ts what answers, and exec, attach and port-forward upgrades go to
// the streaming side.
import https from 'node:https';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { ApiError, badRequest, type Obj, type Store } from '../store/index.ts';
import type { Kubelet } from '../kubelet/index.ts';
import { sendError } from './http.ts';
import { loadSchema } from './schema.ts';
import { createAuthenticator, UNAUTHORIZED, type Authenticator } from './auth.ts';
import { Authorizer } from './authz.ts';
import { LAB_POLICY } from './lab-policy.ts';
import { runQuotaController } from './quota.ts';
import { ANONYMOUS, type UserInfo } from '../auth/users.ts';
import { route } from './router.ts';
import { prepareOpenApiV3 } from './openapi.ts';
import { NOT_FOUND, parsePath, parseUrl } from './route.ts';
import { ListCache } from './lists.ts';
import { Watches } from './watch.ts';
import { runNamespaceController } from './namespaces.ts';
import { hostPort } from '../listen.ts';
import { runClusterRoleAggregation, runServiceAccountController, seedBootstrapPolicy } from './access-controllers.ts';

export type UpgradeKind = 'exec' | 'attach' | 'portforward';
export type UpgradeHandler = (kind: UpgradeKind, pod: Obj, req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ApiServerOptions {
  store: Store;
  /** The admin token (kubernetes-admin, system:masters) written into the lab's kubeconfig. */
  token: string;
  tls: { cert: string; key: string };
  kubelet: Pick<Kubelet, 'logs'>;
  upgrades: UpgradeHandler;
  /** An aggregated API (the lab's own group): it answers the requests for it (a promise), or gives false. */
  aggregated?: (req: http.IncomingMessage, res: http.ServerResponse) => false | Promise<void>;
  /** Told who made each authenticated request (the trace API shows each caller their own). */
  onAuthenticated?: (req: http.IncomingMessage, user: UserInfo) => void;
  /** Where the daemon keeps the models' attribute maps and the parsed default policy (cache-file.ts); none: made. */
  cacheDir?: string;
  /** The service accounts' signing key, when the lab started making it before (default: made now). */
  signingKey?: Promise<KeyObject>;
  /** The addresses to listen on, all on the same port (default 127.0.0.1). */
  hosts?: string[];
  /** The address clients are told in discovery (kube-apiserver's advertise address); default the first host. */
  advertise?: string;
  port?: number;
}

export interface ApiServer {
  port: number;
  /** Builds what the first requests of a kubectl apply need (the OpenAPI v3 documents) ahead of them. */
  prepare(): Promise<void>;
  authenticator: Authenticator;
  authorizer: Authorizer;
  close(): Promise<void>;
}

const UPGRADES = ['exec', 'attach', 'portforward'];

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store } = opts;
  const authenticator = await createAuthenticator(store, opts.token, opts.signingKey);
  const authorizer = new Authorizer(store);
  const watches = new Watches(store);
  seedBootstrapPolicy(store, LAB_POLICY, opts.cacheDir);
  const stops = [runNamespaceController(store), runClusterRoleAggregation(store), runServiceAccountController(store), runQuotaController(store), () => authorizer.stop()];
  const hosts = opts.hosts?.length ? opts.hosts : ['127.0.0.1'];
  let port = opts.port ?? 0;
  const router = {
    store,
    kubelet: opts.kubelet,
    lists: new ListCache(store),
    watches,
    reviews: { store, authenticator, authorizer },
    // The schema loads while the lab starts; writes wait for it (only the first can).
    schemaReady: loadSchema(opts.cacheDir),
    serverAddress: () => hostPort(opts.advertise ?? hosts[0], port),
  };

  /**
   * Who asks (401 for a credential nobody knows; none at all is system:anonymous), then whether they may (the
   * authorizer's 403, anonymous too): before anything else.
   */
  async function gate(req: http.IncomingMessage): Promise<UserInfo> {
    const user = await authenticator.authenticate(req);
    if (!user) throw UNAUTHORIZED;
    if (user.name !== ANONYMOUS.name) opts.onAuthenticated?.(req, user);
    const v = authorizer.check(user, req.method ?? 'GET', req.url ?? '/');
    if (!v.allowed) throw new ApiError(403, 'Forbidden', v.status.message, v.status.details);
    return user;
  }

  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    (async () => {
      const user = await gate(req);
      await (opts.aggregated?.(req, res) || route(router, req, res, user));
    })().catch((err) => sendError(res, err));
  };

  async function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Authorized before the pod is looked up: another namespace's pod is a 403, never a 404 that tells it exists.
    await gate(req);
    const r = parsePath(parseUrl(req.url).pathname);
    if (!r || r.resource !== 'pods' || !r.name || !UPGRADES.includes(r.sub ?? '')) throw NOT_FOUND();
    const pod = store.mustGet('pods', r.namespace, r.name);
    if (pod.status?.phase !== 'Running' && r.sub !== 'attach') {
      throw badRequest(pod.spec?.nodeName ? `pod ${r.name} is not running` : `pod ${r.name} does not have a host assigned`);
    }
    opts.upgrades(r.sub as UpgradeKind, pod, req, socket, head);
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((err) => {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error).message);
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  };

  // One server per address (a DNS name may resolve to an IPv4 and an IPv6 one), the first one's port for all.
  const servers: https.Server[] = [];
  const closeAll = () =>
    Promise.all(servers.map((server) => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })));
  try {
    for (const host of hosts) {
      const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, keepAliveTimeout: 30_000 }, serve);
      server.on('upgrade', onUpgrade);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      port = (server.address() as AddressInfo).port;
    }
  } catch (err) {
    for (const stop of stops) stop();
    await closeAll();
    throw err;
  }
  return {
    port,
    prepare: () => router.schemaReady.then(prepareOpenApiV3),
    authenticator,
    authorizer,
    close: async () => {
      for (const stop of stops) stop();
      watches.endAll();
      await closeAll();
    },
  };
}
