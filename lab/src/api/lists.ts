// GET of a collection: the objects of a resource in a namespace (or all), filtered by label and field selectors,
// as a List or, for kubectl get, a Table.
import type http from 'node:http';
import { KINDS, apiVersionOf, fieldMatcher, labelMatcher, type Obj, type Store } from '../store/index.ts';
import { sendJson, sendJsonText } from './http.ts';
import { toTable, wantsTable } from './tables.ts';
import type { Route } from './route.ts';

/** The filter of ?labelSelector= and ?fieldSelector= (a field the resource does not offer is a 400). */
export function listFilter(route: Route, q: URLSearchParams): (o: Obj) => boolean {
  const labels = labelMatcher(q.get('labelSelector'));
  const fields = fieldMatcher(q.get('fieldSelector'), route.resource);
  return (o) => (!route.namespace || o.metadata.namespace === route.namespace) && labels(o) && fields(o);
}

/**
 * JSON lists by query, valid while nothing in the store changes (its resourceVersion is one global counter):
 * clients that poll the same list (controllers, client-node, the bench's 10 clients) get the same bytes.
 */
export class ListCache {
  private rv = '';
  private texts = new Map<string, string>();

  private store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  serve(route: Route, q: URLSearchParams, accept: string | undefined, res: http.ServerResponse): void {
    const rv = this.store.resourceVersion;
    const filter = listFilter(route, q);
    // Serialized at once and never changed: no copies (they were most of a list's cost).
    const items = () => this.store.list(route.resource, route.namespace, filter, { copy: false });
    // Tables are not cached: their Age column moves with the clock.
    if (wantsTable(accept)) return sendJson(res, 200, toTable(route.resource, items(), rv));
    if (this.rv !== rv) {
      this.texts.clear();
      this.rv = rv;
    }
    const key = `${route.resource}|${route.namespace ?? ''}|${q.get('labelSelector') ?? ''}|${q.get('fieldSelector') ?? ''}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      text = JSON.stringify({ kind: `${KINDS[route.resource].kind}List`, apiVersion: apiVersionOf(route.resource), metadata: { resourceVersion: rv }, items: items() });
      if (this.texts.size < 100) this.texts.set(key, text);
    }
    sendJsonText(res, 200, text);
  }
}
