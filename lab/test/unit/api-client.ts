// An API server in-process (real Store, HTTPS on 127.0.0.1, its own CA) for unit suites, and a client for it:
// JSON in and out, any bearer token. Pods never run (no kubelet): logs and upgrades are stand-ins.
import https from 'node:https';
import { Readable } from 'node:stream';
import { createStore, type Store } from '../../src/store/index.ts';
import { createApiServer, generateCerts, type ApiServer } from '../../src/api/index.ts';

export const ADMIN_TOKEN = 'unit-admin-token';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  /** The bearer token: ADMIN_TOKEN unless given; null sends none. */
  token?: string | null;
  type?: string;
  accept?: string;
  headers?: Record<string, string>;
}

export interface TestApi {
  store: Store;
  api: ApiServer;
  /** The CA the server's certificate is signed with. */
  ca: string;
  request(method: string, path: string, o?: RequestOptions): Promise<Reply>;
  close(): Promise<void>;
}

type ServerOptions = Parameters<typeof createApiServer>[0];

/** A suite may bring its own store (with nodes, say) and stand-ins that record what the server asked of them. */
export async function startTestApi(opts: { store?: Store; kubelet?: ServerOptions['kubelet']; upgrades?: ServerOptions['upgrades'] } = {}): Promise<TestApi> {
  const store = opts.store ?? createStore();
  const tls = await generateCerts();
  const api = await createApiServer({
    store,
    token: ADMIN_TOKEN,
    tls,
    kubelet: opts.kubelet ?? ({ logs: () => Readable.from(['a line\n']) } as never),
    upgrades: opts.upgrades ?? (((_kind: string, _pod: unknown, _req: unknown, socket: import('node:stream').Duplex) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    }) as never),
  });
  const request: TestApi['request'] = (method, path, o = {}) => {
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const headers: Record<string, string> = { ...o.headers };
    if (o.token !== null) headers.authorization = `Bearer ${o.token ?? ADMIN_TOKEN}`;
    if (body !== undefined) {
      headers['content-type'] = o.type ?? 'application/json';
      // Node sends the body of a DELETE without a length unless told: kubectl sends one.
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (o.accept) headers.accept = o.accept;
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: api.port, path, method, headers, ca: tls.ca }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return { store, api, ca: tls.ca, request, close: () => api.close() };
}

/** Resolves once `fn` gives something truthy (controllers act a moment after the change). */
export async function eventually<T>(fn: () => T | Promise<T>, what = 'the condition'): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
