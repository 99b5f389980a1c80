// The lab's kube-apiserver: HTTPS on 127.0.0.1, bearer token, the core/v1 resources the chapter uses. This file
// makes the server and hands requests on: auth.ts says who asks, router.ts what answers, and exec, attach and
// port-forward upgrades go to the streaming side.
import https from 'node:https';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { ApiError, badRequest, type Obj, type Store } from '../store/index.ts';
import type { Kubelet } from '../kubelet/index.ts';
import { sendError } from './http.ts';
import { loadSchema } from './schema.ts';
import { bearerAuth, UNAUTHORIZED } from './auth.ts';
import { route } from './router.ts';
import { NOT_FOUND, parsePath, parseUrl } from './route.ts';
import { ListCache } from './lists.ts';
import { Watches } from './watch.ts';
import { runNamespaceController } from './namespaces.ts';
import { runClusterRoleAggregation, runServiceAccountController, seedBootstrapPolicy } from './access-controllers.ts';

export type UpgradeKind = 'exec' | 'attach' | 'portforward';
export type UpgradeHandler = (kind: UpgradeKind, pod: Obj, req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ApiServerOptions {
  store: Store;
  token: string;
  tls: { cert: string; key: string };
  kubelet: Pick<Kubelet, 'logs'>;
  upgrades: UpgradeHandler;
  /** An aggregated API (the lab's own group): it answers the requests for it (a promise), or gives false. */
  aggregated?: (req: http.IncomingMessage, res: http.ServerResponse) => false | Promise<void>;
  host?: string;
  port?: number;
}

export interface ApiServer {
  port: number;
  close(): Promise<void>;
}

const UPGRADES = ['exec', 'attach', 'portforward'];

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store } = opts;
  const authorized = bearerAuth(opts.token);
  const watches = new Watches(store);
  seedBootstrapPolicy(store);
  const stops = [runNamespaceController(store), runClusterRoleAggregation(store), runServiceAccountController(store)];
  const router = {
    store,
    kubelet: opts.kubelet,
    lists: new ListCache(store),
    watches,
    // The schema loads while the lab starts; writes wait for it (only the first can).
    schemaReady: loadSchema(),
    port: () => (server.address() as AddressInfo | null)?.port ?? 0,
  };

  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, keepAliveTimeout: 30_000 }, (req, res) => {
    // Who asks comes first: an unauthenticated request gets its 401 whatever its URL.
    if (!authorized(req)) return sendError(res, UNAUTHORIZED);
    (opts.aggregated?.(req, res) || route(router, req, res)).catch((err) => sendError(res, err));
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const fail = (e: ApiError) => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      if (!authorized(req)) return fail(UNAUTHORIZED);
      const r = parsePath(parseUrl(req.url).pathname);
      if (!r || r.resource !== 'pods' || !r.name || !UPGRADES.includes(r.sub ?? '')) return fail(NOT_FOUND());
      const pod = store.mustGet('pods', r.namespace, r.name);
      if (pod.status?.phase !== 'Running' && r.sub !== 'attach') {
        return fail(badRequest(pod.spec?.nodeName ? `pod ${r.name} is not running` : `pod ${r.name} does not have a host assigned`));
      }
      opts.upgrades(r.sub as UpgradeKind, pod, req, socket, head);
    } catch (err) {
      fail(err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error).message));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stop of stops) stop();
        watches.endAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
