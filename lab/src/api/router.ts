// Which handler answers a request: discovery and OpenAPI, health checks, the review APIs, leases, then the stored
// resources (list, watch, get, create, replace, patch, delete) and subresources (pods' status and log, tokens).
import type http from 'node:http';
import { badRequest, type Store } from '../store/index.ts';
import type { Kubelet } from '../kubelet/index.ts';
import { sendJson, readBody } from './http.ts';
import { VERSION, apiVersions, apiGroupList, apiResourceList } from './discovery.ts';
import { serveOpenApi } from './openapi.ts';
import { ACCESS_RESOURCE_LISTS } from './discovery-access.ts';
import { serveReview, serveTokenRequest, type ReviewOptions } from './review-endpoints.ts';
import { toTable, wantsTable } from './tables.ts';
import { GROUP_VERSION as LEASES, leaseResourceList, serveLeases } from './leases.ts';
import { deleteObject } from './delete.ts';
import { logOptions } from './logoptions.ts';
import { create, update } from './resources.ts';
import { ListCache } from './lists.ts';
import { Watches } from './watch.ts';
import { METHOD_NOT_ALLOWED, NOT_FOUND, parsePath, parseUrl, type Route } from './route.ts';
import type { UserInfo } from '../auth/users.ts';

export interface RouterOptions {
  store: Store;
  kubelet: Pick<Kubelet, 'logs'>;
  lists: ListCache;
  watches: Watches;
  /** What the review APIs and TokenRequest answer with. */
  reviews: ReviewOptions;
  /** Resolves once the schema writes are decoded with has loaded. */
  schemaReady: Promise<void>;
  /** host:port as discovery tells clients (serverAddressByClientCIDRs). */
  serverAddress: () => string;
}

const isWatch = (q: URLSearchParams) => q.get('watch') === 'true' || q.get('watch') === '1';

/** Non-resource GETs: discovery, OpenAPI and the health checks. Returns false for anything else. */
function serveNonResource(path: string, accept: string | undefined, o: RouterOptions, res: http.ServerResponse): boolean {
  if (path === '/version') sendJson(res, 200, VERSION);
  else if (path === '/api') sendJson(res, 200, apiVersions(o.serverAddress()));
  else if (path === '/apis') sendJson(res, 200, apiGroupList);
  else if (path === '/api/v1') sendJson(res, 200, apiResourceList);
  else if (path === `/apis/${LEASES}`) sendJson(res, 200, leaseResourceList);
  else if (path.startsWith('/apis/') && Object.hasOwn(ACCESS_RESOURCE_LISTS, path.slice(6))) sendJson(res, 200, ACCESS_RESOURCE_LISTS[path.slice(6)]);
  else if (/^\/(healthz|readyz|livez)$/.test(path)) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
    res.end('ok');
  } else return serveOpenApi(path, accept, res);
  return true;
}

function serveLogs(o: RouterOptions, route: Route, q: URLSearchParams, res: http.ServerResponse): void {
  const options = logOptions(q, route.name!);
  o.store.mustGet('pods', route.namespace, route.name!);
  const stream = o.kubelet.logs(route.namespace!, route.name!, options);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  stream.pipe(res);
  res.on('close', () => stream.destroy());
}

async function serveSubresource(o: RouterOptions, route: Route, method: string, q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse) {
  if (route.resource === 'serviceaccounts' && route.sub === 'token' && route.name) return serveTokenRequest(o.reviews, route.namespace!, route.name, req, res);
  if (route.resource !== 'pods' || !route.name) throw NOT_FOUND();
  if (route.sub === 'log' && method === 'GET') return serveLogs(o, route, q, res);
  if (['exec', 'attach', 'portforward'].includes(route.sub!)) {
    o.store.mustGet('pods', route.namespace, route.name);
    throw badRequest('Upgrade request required');
  }
  if (route.sub !== 'status') throw NOT_FOUND();
  if (method === 'GET') return sendJson(res, 200, o.store.mustGet('pods', route.namespace, route.name));
  if (method !== 'PUT' && method !== 'PATCH') throw METHOD_NOT_ALLOWED();
  sendJson(res, 200, update(o.store, route, req, q, await readBody(req), method === 'PATCH', res));
}

export async function route(o: RouterOptions, req: http.IncomingMessage, res: http.ServerResponse, user: UserInfo): Promise<void> {
  const url = parseUrl(req.url);
  const q = url.searchParams;
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const accept = req.headers.accept;
  // Writes are decoded with the schema, and the OpenAPI documents are made from it.
  if (method !== 'GET' || path.startsWith('/openapi/')) await o.schemaReady;
  if (method === 'GET' && serveNonResource(path, accept, o, res)) return;
  if (await serveReview(o.reviews, path, method, req, res, user)) return;
  const lease = serveLeases(o.store, path, method, wantsTable(accept));
  if (lease) return sendJson(res, 200, lease);
  const r = parsePath(path);
  if (!r) throw NOT_FOUND();
  if (r.sub) return serveSubresource(o, r, method, q, req, res);
  if (!r.name) {
    if (method === 'GET') return isWatch(q) ? o.watches.serve(r, q, accept, req, res) : o.lists.serve(r, q, accept, res);
    if (method === 'POST') return sendJson(res, 201, create(o.store, r, q, await readBody(req), res));
    throw METHOD_NOT_ALLOWED();
  }
  if (method === 'GET') {
    // kubectl get pod NAME -w: a watch of the collection, narrowed to the one name.
    if (isWatch(q)) return o.watches.serve({ ...r, name: undefined }, withName(q, r.name), accept, req, res);
    const obj = o.store.mustGet(r.resource, r.namespace, r.name);
    return sendJson(res, 200, wantsTable(accept) ? toTable(r.resource, [obj], obj.metadata.resourceVersion) : obj);
  }
  if (method === 'DELETE') return sendJson(res, 200, deleteObject(o.store, r.resource, r.namespace, r.name, q, await readBody(req)));
  if (method === 'PUT' || method === 'PATCH') return sendJson(res, 200, update(o.store, r, req, q, await readBody(req), method === 'PATCH', res));
  throw METHOD_NOT_ALLOWED();
}

function withName(q: URLSearchParams, name: string): URLSearchParams {
  const out = new URLSearchParams(q);
  const fields = q.get('fieldSelector');
  const term = `metadata.name=${name.replace(/[\\,=]/g, (c) => `\\${c}`)}`;
  out.set('fieldSelector', fields ? `${fields},${term}` : term);
  return out;
}
