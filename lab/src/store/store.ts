// The lab's etcd: objects by resource and namespace/name, one resourceVersion counter, and watches.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, conflict, notFound } from './errors.ts';
import { metaTime } from '../time.ts';
import { NAMESPACED, RESOURCES, type Resource } from './kinds.ts';

export type Obj = Record<string, any>;
export type { Resource };
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
  type: EventType;
  object: Obj;
}

export { NAMESPACED };
const HISTORY = 2000;

const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
const clone = <T>(o: T): T => structuredClone(o);

export class Store {
  private rv = 1;
  private data = new Map<Resource, Map<string, Obj>>();
  private history: { rv: number; resource: Resource; event: WatchEvent }[] = [];
  private events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
    for (const r of RESOURCES) this.data.set(r, new Map());
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  private emit(resource: Resource, type: EventType, object: Obj) {
    const event = { type, object: clone(object) };
    this.history.push({ rv: Number(object.metadata.resourceVersion), resource, event });
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    this.events.emit(resource, event);
  }

  /** Each listener gets its own copy, as each watcher of a real API server decodes its own: none can change the history. */
  private listen(resource: Resource, cb: (e: WatchEvent) => void): () => void {
    const own = (e: WatchEvent) => cb(clone(e));
    this.events.on(resource, own);
    return () => this.events.off(resource, own);
  }

  get(resource: Resource, ns: string | undefined, name: string): Obj | undefined {
    const o = this.data.get(resource)!.get(key(ns, name));
    return o && clone(o);
  }

  mustGet(resource: Resource, ns: string | undefined, name: string): Obj {
    const o = this.get(resource, ns, name);
    if (!o) throw notFound(resource, name);
    return o;
  }

  /** Copies, unless the caller only reads them right away (serializing a list): `copy: false`. */
  list(resource: Resource, ns?: string, filter: (o: Obj) => boolean = () => true, { copy = true } = {}): Obj[] {
    const out: Obj[] = [];
    for (const o of this.data.get(resource)!.values()) if ((!ns || o.metadata.namespace === ns) && filter(o)) out.push(copy ? clone(o) : o);
    return out.sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
  }

  create(resource: Resource, obj: Obj): Obj {
    const m = obj.metadata;
    const k = key(NAMESPACED[resource] ? m.namespace : undefined, m.name);
    const map = this.data.get(resource)!;
    if (map.has(k)) throw alreadyExists(resource, m.name);
    const stored = clone(obj);
    delete stored.metadata.deletionTimestamp;
    stored.metadata.uid = randomUUID();
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.creationTimestamp = metaTime();
    stored.metadata.generation ??= 1;
    map.set(k, stored);
    this.emit(resource, 'ADDED', stored);
    return clone(stored);
  }

  /**
   * Replaces an object; a resourceVersion that is not the current one is a Conflict, as in Kubernetes. A client's
   * update moves generation with the spec; the lab's controllers (binding, status) leave it (`{ controller: true }`).
   */
  update(resource: Resource, obj: Obj, { controller = false } = {}): Obj {
    const m = obj.metadata;
    const k = key(NAMESPACED[resource] ? m.namespace : undefined, m.name);
    const map = this.data.get(resource)!;
    const cur = map.get(k);
    if (!cur) throw notFound(resource, m.name);
    if (m.resourceVersion && m.resourceVersion !== cur.metadata.resourceVersion) throw conflict(resource, m.name);
    const stored = clone(obj);
    stored.metadata.uid = cur.metadata.uid;
    stored.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    stored.metadata.resourceVersion = String(++this.rv);
    // The server owns generation: kept from the stored object whatever the client sent, +1 when the spec changes.
    const respecced = !controller && JSON.stringify(stored.spec) !== JSON.stringify(cur.spec);
    stored.metadata.generation = (cur.metadata.generation ?? 1) + (respecced ? 1 : 0);
    map.set(k, stored);
    this.emit(resource, 'MODIFIED', stored);
    return clone(stored);
  }

  /** Read-modify-write without conflicts, for the lab's own controllers. Returns undefined if the object is gone. */
  mutate(resource: Resource, ns: string | undefined, name: string, fn: (o: Obj) => void): Obj | undefined {
    const cur = this.get(resource, ns, name);
    if (!cur) return undefined;
    const before = JSON.stringify(cur);
    fn(cur);
    if (JSON.stringify(cur) === before) return cur;
    return this.update(resource, cur, { controller: true });
  }

  delete(resource: Resource, ns: string | undefined, name: string): Obj {
    const map = this.data.get(resource)!;
    const k = key(NAMESPACED[resource] ? ns : undefined, name);
    const cur = map.get(k);
    if (!cur) throw notFound(resource, name);
    map.delete(k);
    cur.metadata.resourceVersion = String(++this.rv);
    this.emit(resource, 'DELETED', cur);
    return clone(cur);
  }

  /** Events after `fromRv` (replayed from history), then live ones. Too old a version is 410 Expired. */
  watch(resource: Resource, fromRv: string | undefined, cb: (e: WatchEvent) => void): () => void {
    const from = fromRv ? Number(fromRv) : this.rv;
    if (fromRv && this.history.length && from < this.history[0].rv - 1 && from !== 0) {
      throw new ApiError(410, 'Expired', `too old resource version: ${fromRv} (${this.history[0].rv - 1})`);
    }
    if (from > 0) for (const h of this.history) if (h.resource === resource && h.rv > from) cb(clone(h.event));
    return this.listen(resource, cb);
  }

  onChange(resource: Resource, cb: (e: WatchEvent) => void): () => void {
    return this.listen(resource, cb);
  }
}

export function createStore(): Store {
  const store = new Store();
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  return store;
}
