// API calls that need none of client-node's models, over our own HTTP/1.1 (http-client.ts; node:https through a
// proxy's agent): authenticated as client-node authenticates
// every call (applyToHTTPSOptions: tokens, client certificates, exec and cloud logins, proxies; or, for a
// kubeconfig that needs none of the latter, the same options read without client-node: kubeconfig.ts), on keep-alive
// connections (one TLS handshake for several calls). client-node's typed calls, Watch and Log go through undici
// (1 MB of JavaScript, its HTTP parser in WebAssembly) after loading every API model: ~150 ms of CPU that
// curl-from-pod and logs spent before their first byte (bench/README.md). A refusal is an ApiException with the
// server's Status as its body, as client-node's typed calls throw (its Log keeps no body).
import http from 'node:http';
import https from 'node:https';
// From its own module: through client-node's index, fast.cjs (tools/scripts/build-bundle.js), where modules are
// initialized as they are first imported, would take all of client-node.
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { ApiCtx } from './context.ts';
import { request, requestText, type Response } from './http-client.ts';

interface Call {
  method?: 'GET' | 'POST' | 'DELETE';
  accept?: string;
  /** Sent as JSON. */
  body?: unknown;
}

/** A response being read, and how to end it early. */
export interface Stream {
  body: Response;
  /**
   * Ends it if it is still coming (an AbortSignal would not do: on a kept-alive connection it also destroys the
   * socket after the response ended, when the socket is back in the pool and nothing listens to its errors).
   */
  abort(): void;
}

/** Through an agent (client-node's for a kubeconfig's proxy-url): node:http(s), which takes agents. */
function viaAgent(url: URL, opts: https.RequestOptions, body: string | undefined): Promise<{ res: Response; abort(): void }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? http : https).request(url, opts, (res) => resolve({ res: res as Response, abort: () => void (res.complete || req.destroy()) }));
    req.on('error', reject).end(body);
  });
}

/** A call's URL, method, headers and body, and the connection's TLS options (and agent, through a proxy). */
async function prepare(ctx: ApiCtx, apiPath: string, call: Call) {
  const { server, options } = await ctx.connection();
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers = { Accept: call.accept ?? 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...(options.headers as Record<string, string>) };
  return { url: new URL(server.replace(/\/$/, '') + apiPath), method: call.method ?? 'GET', headers, body, options };
}

const refusal = (code: number, method: string, apiPath: string, text: string, headers: Record<string, string>) => new ApiException(code, `${method} ${apiPath}`, text, headers);
const success = (code: number) => code >= 200 && code <= 299;

/** The response, once its status is a success; else an ApiException with what the server said. */
async function open(ctx: ApiCtx, apiPath: string, call: Call = {}): Promise<Stream> {
  return openPrepared(await prepare(ctx, apiPath, call), apiPath);
}

async function openPrepared({ url, method, headers, body, options }: Awaited<ReturnType<typeof prepare>>, apiPath: string): Promise<Stream> {
  // Without a proxy, our own HTTP/1.1 (http-client.ts), which keeps connections alive per server and TLS options,
  // so the next call reuses this one's.
  const { res, abort } = options.agent ? await viaAgent(url, { ...options, method, headers }, body) : await request(url, { method, headers, body, tls: options });
  const code = res.statusCode ?? 0;
  if (success(code)) return { body: res, abort };
  const text = await readAll({ body: res, abort });
  throw refusal(code, method, apiPath, text, res.headers as Record<string, string>);
}

/** The whole body. With events, not `for await`: a stream's async iterator costs a command ~1 ms to set up. */
function readAll({ body: res }: Stream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text)).on('error', reject);
    // A connection that closes before the response ended (then 'end' never comes).
    res.on('close', () => res.complete || reject(new Error(`the connection to the API server closed before the response ended`)));
  });
}

/** A call's whole answer as text: read whole by http-client (no stream), or through a proxy's agent. */
async function callText(ctx: ApiCtx, apiPath: string, call: Call): Promise<string> {
  const prepared = await prepare(ctx, apiPath, call);
  const { url, method, headers, body, options } = prepared;
  if (options.agent) return readAll(await openPrepared(prepared, apiPath));
  const r = await requestText(url, { method, headers, body, tls: options });
  if (!success(r.statusCode)) throw refusal(r.statusCode, method, apiPath, r.text, r.headers);
  return r.text;
}

/** A call whose answer is JSON: the object as the server sent it. */
export async function callJson(ctx: ApiCtx, apiPath: string, call: Call = {}): Promise<unknown> {
  return JSON.parse(await callText(ctx, apiPath, call));
}

/** A GET whose answer is text (a log). */
export async function getText(ctx: ApiCtx, apiPath: string): Promise<string> {
  return callText(ctx, apiPath, { accept: '*/*' });
}

/** A GET read as it comes (a followed log): opened once the server accepts it. */
export function getStream(ctx: ApiCtx, apiPath: string): Promise<Stream> {
  return open(ctx, apiPath, { accept: '*/*' });
}

/**
 * A watch (`?watch=true` in apiPath): each event as it comes, then onDone once the server ends it, or with the
 * error that ended it (also an abort). Opened once the server accepts it.
 */
export async function watch(ctx: ApiCtx, apiPath: string, onEvent: (type: string, object: any) => void, onDone: (err?: unknown) => void): Promise<{ abort(): void }> {
  const stream = await open(ctx, apiPath);
  const res = stream.body;
  let buffer = '';
  let done = false;
  const finish = (err?: unknown) => {
    if (done) return;
    done = true;
    onDone(err);
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0 && !done; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        const event = JSON.parse(line) as { type: string; object: unknown };
        onEvent(event.type, event.object);
      } catch (err) {
        finish(err);
        stream.abort();
      }
    }
  });
  res.on('end', () => finish()).on('error', finish);
  return stream;
}
