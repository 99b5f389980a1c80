// The trace events over the API server, as an aggregated API would serve them: group lab.kiada.dev, version v1,
// resource `traces` (cluster-scoped TraceEvent objects). A real API server answers 404 here, which is how kiada
// tells the lab from any other cluster. Not listed in /apis, so kubectl's discovery of the lab is unchanged.
//   GET  /apis/lab.kiada.dev/v1                               APIResourceList
//   GET  /apis/lab.kiada.dev/v1/traces[?fieldSelector=trace=ID]  TraceEventList (resourceVersion = last seq)
//   GET  …/traces?watch=true[&resourceVersion=N]                 {"type":"ADDED","object":…} lines, as it happens
//   POST …/traces                                                a client's own side of its trace (kiada trace)
// Only authenticated requests get here (the API server checks first), and each sees only its own events: those of
// requests made with its credentials, and the app's lines of requests nobody claimed in namespaces it may read.
import type http from 'node:http';
import { ApiError, badRequest } from '../store/index.ts';
import { sendJson, readBody } from '../api/http.ts';
import { traceId, type TraceRecorder } from './recorder.ts';
import type { TraceEvent, TraceEventObject, TraceMethod } from '../trace-types.ts';
import { identityOf } from './upgrade.ts';

export const GROUP_VERSION = 'lab.kiada.dev/v1';
const BASE = `/apis/${GROUP_VERSION}`;
const CLIENT_METHODS: TraceMethod[] = ['node', 'pod', 'port-forward', 'exec'];

const resourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: GROUP_VERSION,
  resources: [{ name: 'traces', singularName: 'trace', namespaced: false, kind: 'TraceEvent', verbs: ['create', 'get', 'list', 'watch'] }],
};

function toObject(e: TraceEvent): TraceEventObject {
  const { owner: _owner, seq, ...rest } = e;
  return {
    apiVersion: GROUP_VERSION,
    kind: 'TraceEvent',
    metadata: { name: `${e.session}.${seq}`, resourceVersion: String(seq), creationTimestamp: new Date(e.time).toISOString().replace(/\.\d+Z$/, 'Z') },
    ...rest,
  };
}

export interface TraceApiOptions {
  recorder: TraceRecorder;
  /** Whether whoever holds these credentials may read pods in this namespace (the lab has one user: yes). */
  mayRead?: (identity: string, namespace: string) => boolean;
}

/** Serves the request if it is for this API group (a promise), else leaves it to the API server (false). */
export function serveTraces(opts: TraceApiOptions, req: http.IncomingMessage, res: http.ServerResponse): false | Promise<void> {
  // A prefix test first: every request of the API server comes through here.
  if (!req.url?.startsWith('/apis/lab.kiada.dev')) return false;
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'https://127.0.0.1');
  } catch {
    return false; // the API server answers a malformed URL
  }
  if (url.pathname !== '/apis/lab.kiada.dev' && !url.pathname.startsWith('/apis/lab.kiada.dev/')) return false;
  return handle(opts, req, res, url);
}

async function handle(opts: TraceApiOptions, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const { recorder } = opts;
  const who = identityOf(req);
  const mayRead = opts.mayRead ?? (() => true);
  const path = url.pathname.replace(/\/+$/, '');
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  if (path === BASE && method === 'GET') return sendJson(res, 200, resourceList);
  if (path !== `${BASE}/traces`) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  if (method === 'POST') return sendJson(res, 201, toObject(recorder.recordClient(clientEvent(await readBody(req)), who)));
  if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const selector = q.get('fieldSelector');
  let wanted: string | undefined;
  if (selector) {
    wanted = traceId(/^trace=(.*)$/.exec(selector)?.[1]);
    if (!wanted) throw badRequest(`unable to parse requirement: field label not supported: ${selector.split('=')[0]} (only trace=<id>)`);
  }
  const visible = (e: TraceEvent) => (e.owner ? e.owner === who : mayRead(who, e.namespace)) && (!wanted || e.trace === wanted);
  if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(recorder, visible, q, req, res);
  const rv = recorder.resourceVersion;
  sendJson(res, 200, { apiVersion: GROUP_VERSION, kind: 'TraceEventList', metadata: { resourceVersion: String(rv) }, items: recorder.list().filter(visible).map(toObject) });
}

function watch(recorder: TraceRecorder, visible: (e: TraceEvent) => boolean, q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse) {
  const rv = q.get('resourceVersion');
  const from = rv && rv !== '0' ? Number(rv) : undefined;
  if (from !== undefined && (!Number.isInteger(from) || from < 0)) throw badRequest(`invalid resourceVersion ${JSON.stringify(rv)}`);
  if (from !== undefined && recorder.expired(from)) throw new ApiError(410, 'Expired', `too old resource version: ${from}`);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = (e: TraceEvent) => {
    if (visible(e)) res.write(JSON.stringify({ type: 'ADDED', object: toObject(e) }) + '\n');
  };
  // Without a resourceVersion: what is kept first (as a watch of any resource starts with the current state).
  for (const e of recorder.list(from ?? 0)) send(e);
  const stop = recorder.subscribe(send);
  const timeout = Math.min(Math.max(Number(q.get('timeoutSeconds') ?? 1800) || 1800, 1), 1800);
  const timer = setTimeout(() => res.end(), timeout * 1000);
  const done = () => {
    clearTimeout(timer);
    stop();
  };
  req.on('close', done);
  res.on('close', done);
}

/** A client's report of its own side, checked field by field: only short strings, one of the route's methods. */
function clientEvent(body: unknown) {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (name: string, max: number, required = true): string | undefined => {
    const v = b[name];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.length > max) throw new ApiError(422, 'Invalid', `TraceEvent is invalid: ${name}: must be a string of at most ${max} characters`);
    return v;
  };
  const trace = traceId(b.trace);
  if (!trace) throw new ApiError(422, 'Invalid', 'TraceEvent is invalid: trace: must be 4 to 32 characters a-z, 0-9');
  const method = str('method', 20) as TraceMethod;
  if (!CLIENT_METHODS.includes(method)) throw new ApiError(422, 'Invalid', `TraceEvent is invalid: method: must be one of ${CLIENT_METHODS.join(', ')}`);
  if (typeof b.ok !== 'boolean') throw new ApiError(422, 'Invalid', 'TraceEvent is invalid: ok: must be a boolean');
  const time = b.time;
  if (time !== undefined && (typeof time !== 'number' || !Number.isFinite(time))) throw new ApiError(422, 'Invalid', 'TraceEvent is invalid: time: must be a number');
  return {
    trace,
    method,
    namespace: str('namespace', 253)!,
    pod: str('pod', 253)!,
    hop: str('hop', 64)!,
    ok: b.ok,
    detail: str('detail', 2048)!,
    error: str('error', 4096, false),
    clientIP: str('clientIP', 64, false),
    ...(time !== undefined ? { time: time as number } : {}),
  };
}
