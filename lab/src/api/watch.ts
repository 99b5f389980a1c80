// ?watch=true: a chunked stream of JSON events, one a line, as kube-apiserver sends them. A resourceVersion older
// than the store's history is answered as a real server does: 200, then one ERROR event holding the 410 Expired
// Status, then the end of the stream (clients then list again).
import type http from 'node:http';
import { ApiError, type Store, type WatchEvent } from '../store/index.ts';
import { toTable, wantsTable } from './tables.ts';
import { listFilter } from './lists.ts';
import type { Route } from './route.ts';

export class Watches {
  private open = new Set<http.ServerResponse>();

  private store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  serve(route: Route, q: URLSearchParams, accept: string | undefined, req: http.IncomingMessage, res: http.ServerResponse): void {
    const { store } = this;
    const filter = listFilter(route, q);
    const table = wantsTable(accept);
    const rv = q.get('resourceVersion');
    let first = true;
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
    let stop: () => void;
    try {
      stop = store.watch(route.resource, rv && rv !== '0' ? rv : undefined, send);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.end(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
      return;
    }
    this.open.add(res);
    const timeout = Math.min(Math.max(Number(q.get('timeoutSeconds') ?? 1800) || 1800, 1), 1800);
    const timer = setTimeout(() => res.end(), timeout * 1000);
    const done = () => {
      clearTimeout(timer);
      stop();
      this.open.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  /** Ends every open watch (the server is closing). */
  endAll(): void {
    for (const w of this.open) w.end();
  }
}
