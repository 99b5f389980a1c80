// The lab's kube-apiserver: HTTPS on 127.0.0.1, bearer token, the core/v1 resources the chapter uses.
import https from 'node:https';
import type http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import {
  ApiError, NAMESPACED, badRequest, fieldMatcher, labelMatcher, notFound,
  type Obj, type Resource, type Store, type WatchEvent,
} from '../store/index.ts';
import { sendJson, sendJsonText, sendError, readBody } from './http.ts';
import { VERSION, apiVersions, apiGroupList, apiResourceList, openapiIndex, openapiV1 } from './discovery.ts';
import { toTable, wantsTable } from './tables.ts';
import { GROUP_VERSION as LEASES, leaseResourceList, serveLeases } from './leases.ts';
import { initialStatus } from './pods.ts';
import { admitCreate, admitReplace, admitPatch, PATCH_TYPES, KINDS } from './admission.ts';
import { loadSchema } from './schema.ts';
import { deleteObject } from './delete.ts';
import { logOptions } from './logoptions.ts';

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

export interface LogSource {
  logs(ns: string, pod: string, opts: LogOptions): Readable;
}

export type UpgradeKind = 'exec' | 'attach' | 'portforward';
export type UpgradeHandler = (kind: UpgradeKind, pod: Obj, req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ApiServerOptions {
  store: Store;
  token: string;
  tls: { cert: string; key: string };
  kubelet: LogSource;
  upgrades: UpgradeHandler;
  host?: string;
  port?: number;
}

export interface ApiServer {
  port: number;
  close(): Promise<void>;
}

function parseUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'https://127.0.0.1');
  } catch {
    throw badRequest(`malformed request URL: ${JSON.stringify(raw)}`);
  }
}

/** Warnings for kubectl to print ("Warning: …"), as kube-apiserver sends them: `299 - "<text>"`. */
function warn(res: http.ServerResponse, texts: string[]): void {
  // Quoted with every byte a header may carry (field names can hold any character); at most 4 KiB of them.
  const quote = (t: string) => JSON.stringify(t).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const values: string[] = [];
  let size = 0;
  for (const t of texts) {
    const v = `299 - ${quote(t.slice(0, 256))}`;
    if ((size += v.length) > 4096) break;
    values.push(v);
  }
  if (values.length) res.setHeader('Warning', values);
}

interface Route {
  resource: Resource;
  namespace?: string;
  name?: string;
  sub?: string;
}

/** /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB]] */
export function parsePath(pathname: string): Route | null {
  const p = pathname.replace(/\/+$/, '').split('/').slice(3);
  if (pathname.split('/')[1] !== 'api' || pathname.split('/')[2] !== 'v1') return null;
  let namespace: string | undefined;
  if (p[0] === 'namespaces' && p.length >= 3) {
    namespace = p[1];
    p.splice(0, 2);
  }
  const resource = p[0] as Resource;
  if (!(resource in NAMESPACED) || p.length > 3) return null;
  if (namespace && !NAMESPACED[resource]) return null;
  return { resource, namespace, name: p[1], sub: p[2] };
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store } = opts;
  // The schema loads while the lab starts; writes wait for it (only the first can).
  const schemaReady = loadSchema();
  const expected = Buffer.from(`Bearer ${opts.token}`);
  const authorized = (req: http.IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const UNAUTHORIZED = new ApiError(401, 'Unauthorized', 'Unauthorized');
  const watches = new Set<http.ServerResponse>();

  function listFilter(route: Route, q: URLSearchParams) {
    const labels = labelMatcher(q.get('labelSelector'));
    const fields = fieldMatcher(q.get('fieldSelector'));
    return (o: Obj) => (!route.namespace || o.metadata.namespace === route.namespace) && labels(o) && fields(o);
  }

  // JSON lists by query, valid while nothing in the store changes (its resourceVersion is one global counter):
  // clients that poll the same list (controllers, client-node, the bench's 10 clients) get the same bytes.
  let listCacheRv = '';
  const listCache = new Map<string, string>();

  function list(route: Route, q: URLSearchParams, accept: string | undefined, res: http.ServerResponse) {
    const rv = store.resourceVersion;
    // Serialized at once and never changed: no copies (they were most of a list's cost).
    const items = () => store.list(route.resource, route.namespace, listFilter(route, q), { copy: false });
    // Tables are not cached: their Age column moves with the clock.
    if (wantsTable(accept)) return sendJson(res, 200, toTable(route.resource, items(), rv));
    if (listCacheRv !== rv) {
      listCache.clear();
      listCacheRv = rv;
    }
    const key = `${route.resource}|${route.namespace ?? ''}|${q.get('labelSelector') ?? ''}|${q.get('fieldSelector') ?? ''}`;
    let text = listCache.get(key);
    if (text === undefined) {
      text = JSON.stringify({ kind: `${KINDS[route.resource]}List`, apiVersion: 'v1', metadata: { resourceVersion: rv }, items: items() });
      if (listCache.size < 100) listCache.set(key, text);
    }
    sendJsonText(res, 200, text);
  }

  function watch(route: Route, q: URLSearchParams, accept: string | undefined, req: http.IncomingMessage, res: http.ServerResponse) {
    const filter = listFilter(route, q);
    const table = wantsTable(accept);
    let first = true;
    const rv = q.get('resourceVersion');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const send = (e: WatchEvent) => {
      if (!filter(e.object)) return;
      const object = table ? toTable(route.resource, [e.object], e.object.metadata.resourceVersion, first) : e.object;
      first = false;
      res.write(JSON.stringify({ type: e.type, object }) + '\n');
    };
    // No resourceVersion (or "0"): the current state first, as synthetic ADDED events.
    if (!rv || rv === '0') for (const o of store.list(route.resource, route.namespace, filter)) send({ type: 'ADDED', object: o });
    const stop = store.watch(route.resource, rv && rv !== '0' ? rv : undefined, send);
    watches.add(res);
    const timeout = Math.min(Math.max(Number(q.get('timeoutSeconds') ?? 1800) || 1800, 1), 1800);
    const timer = setTimeout(() => res.end(), timeout * 1000);
    const done = () => {
      clearTimeout(timer);
      stop();
      watches.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  function create(route: Route, q: URLSearchParams, body: unknown, res: http.ServerResponse): [number, Obj] {
    if (route.namespace && !store.get('namespaces', undefined, route.namespace)) throw notFound('namespaces', route.namespace);
    const { obj, warnings } = admitCreate(route.resource, route.namespace, body, q);
    warn(res, warnings);
    if (route.resource === 'pods') obj.status = initialStatus(obj);
    if (route.resource === 'namespaces') obj.status = { phase: 'Active' };
    if (q.get('dryRun') === 'All') return [201, obj];
    return [201, store.create(route.resource, obj)];
  }

  function update(route: Route, req: http.IncomingMessage, q: URLSearchParams, body: unknown, patch: boolean, res: http.ServerResponse): [number, Obj] {
    const cur = store.mustGet(route.resource, route.namespace, route.name!);
    let admitted;
    if (!patch) admitted = admitReplace(route.resource, cur, body, q, route.sub);
    else {
      const type = PATCH_TYPES[(req.headers['content-type'] ?? '').split(';')[0].trim()];
      if (!type) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
      admitted = admitPatch(route.resource, cur, type, body, q, route.sub);
    }
    warn(res, admitted.warnings);
    if (q.get('dryRun') === 'All') return [200, admitted.obj];
    return [200, store.update(route.resource, admitted.obj)];
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    // Who asks comes first: an unauthenticated request gets its 401 whatever its URL.
    if (!authorized(req)) throw UNAUTHORIZED;
    const url = parseUrl(req.url);
    const q = url.searchParams;
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const accept = req.headers.accept;
    if (method !== 'GET') await schemaReady;
    if (method === 'GET') {
      if (path === '/version') return sendJson(res, 200, VERSION);
      if (path === '/api') return sendJson(res, 200, apiVersions(server.address() ? (server.address() as AddressInfo).port : 0));
      if (path === '/apis') return sendJson(res, 200, apiGroupList);
      if (path === '/api/v1') return sendJson(res, 200, apiResourceList);
      if (path === `/apis/${LEASES}`) return sendJson(res, 200, leaseResourceList);
      if (path === '/openapi/v3') return sendJson(res, 200, openapiIndex);
      if (path === '/openapi/v3/api/v1') return sendJson(res, 200, openapiV1);
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('ok');
      }
    }
    const lease = serveLeases(store, path, method, wantsTable(accept));
    if (lease) return sendJson(res, 200, lease);
    const route = parsePath(path);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    if (route.sub) {
      if (route.resource !== 'pods' || !route.name) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
      if (route.sub === 'log' && method === 'GET') return logs(route, q, res);
      if (['exec', 'attach', 'portforward'].includes(route.sub)) {
        store.mustGet('pods', route.namespace, route.name);
        throw badRequest('Upgrade request required');
      }
      if (route.sub === 'status') {
        if (method === 'GET') return sendJson(res, 200, store.mustGet('pods', route.namespace, route.name));
        const [code, obj] = update(route, req, q, await readBody(req), method === 'PATCH', res);
        return sendJson(res, code, obj);
      }
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    if (!route.name) {
      if (method === 'GET') return q.get('watch') === 'true' || q.get('watch') === '1' ? watch(route, q, accept, req, res) : list(route, q, accept, res);
      if (method === 'POST') {
        const [code, obj] = create(route, q, await readBody(req), res);
        return sendJson(res, code, obj);
      }
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    if (method === 'GET') {
      if (q.get('watch') === 'true') return watch({ ...route, name: undefined }, new URLSearchParams({ ...Object.fromEntries(q), fieldSelector: `metadata.name=${route.name}` }), accept, req, res);
      const obj = store.mustGet(route.resource, route.namespace, route.name);
      return sendJson(res, 200, wantsTable(accept) ? toTable(route.resource, [obj], obj.metadata.resourceVersion) : obj);
    }
    if (method === 'DELETE') return sendJson(res, 200, deleteObject(store, route.resource, route.namespace, route.name, q, await readBody(req)));
    if (method === 'PUT' || method === 'PATCH') {
      const [code, obj] = update(route, req, q, await readBody(req), method === 'PATCH', res);
      return sendJson(res, code, obj);
    }
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  function logs(route: Route, q: URLSearchParams, res: http.ServerResponse) {
    const options = logOptions(q, route.name!);
    store.mustGet('pods', route.namespace, route.name!);
    const stream = opts.kubelet.logs(route.namespace!, route.name!, options);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  }

  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((err) => sendError(res, err));
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const fail = (e: ApiError) => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      if (!authorized(req)) return fail(UNAUTHORIZED);
      const url = parseUrl(req.url);
      const route = parsePath(url.pathname);
      if (!route || route.resource !== 'pods' || !route.name || !['exec', 'attach', 'portforward'].includes(route.sub ?? '')) {
        return fail(new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}));
      }
      const pod = store.mustGet('pods', route.namespace, route.name);
      if (pod.status?.phase !== 'Running' && route.sub !== 'attach') {
        return fail(badRequest(pod.spec?.nodeName ? `pod ${route.name} is not running` : `pod ${route.name} does not have a host assigned`));
      }
      opts.upgrades(route.sub as UpgradeKind, pod, req, socket, head);
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
        for (const w of watches) w.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
