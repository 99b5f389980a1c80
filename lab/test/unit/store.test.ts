// The store as etcd + the registry behave for a client: one resourceVersion counter for everything, optimistic
// concurrency (409 on a stale resourceVersion), watch from a version with replay, 410 Expired once the history
// is gone, lists in key order.
import { describe, it, expect } from 'vitest';
import { Store, createStore, type WatchEvent } from '../../src/store/store.ts';
import { ApiError } from '../../src/store/errors.ts';

const pod = (name: string, namespace = 'default', spec: Record<string, unknown> = { containers: [{ name: 'c', image: 'busybox' }] }) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec });

function status(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return (e as ApiError).toStatus();
  }
  throw new Error('no error');
}

describe('store', () => {
  it('starts with the four namespaces of a new cluster, labelled with their name, at resourceVersion 5', () => {
    const store = createStore();
    expect(store.list('namespaces').map((n) => [n.metadata.name, n.metadata.resourceVersion, n.metadata.labels, n.status.phase])).toEqual([
      ['default', '2', { 'kubernetes.io/metadata.name': 'default' }, 'Active'],
      ['kube-node-lease', '5', { 'kubernetes.io/metadata.name': 'kube-node-lease' }, 'Active'],
      ['kube-public', '4', { 'kubernetes.io/metadata.name': 'kube-public' }, 'Active'],
      ['kube-system', '3', { 'kubernetes.io/metadata.name': 'kube-system' }, 'Active'],
    ]);
    expect(store.resourceVersion).toBe('5');
  });

  it('create fills uid, resourceVersion, creationTimestamp (seconds) and generation, and never keeps a deletionTimestamp', () => {
    const store = new Store();
    const created = store.create('pods', { ...pod('a'), metadata: { name: 'a', namespace: 'default', deletionTimestamp: '2020-01-01T00:00:00Z' } });
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata.resourceVersion).toBe('2');
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(created.metadata.creationTimestamp) - Date.now())).toBeLessThan(2000);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.deletionTimestamp).toBeUndefined();
  });

  it('has one resourceVersion counter across resources and namespaces', () => {
    const store = new Store();
    const rvs = [
      store.create('pods', pod('a')).metadata.resourceVersion,
      store.create('namespaces', { metadata: { name: 'team-a' } }).metadata.resourceVersion,
      store.create('pods', pod('a', 'team-a')).metadata.resourceVersion,
      store.create('events', { metadata: { name: 'e', namespace: 'default' } }).metadata.resourceVersion,
    ];
    expect(rvs).toEqual(['2', '3', '4', '5']);
    expect(store.resourceVersion).toBe('5');
  });

  it('refuses a second object with the same name with 409 AlreadyExists; the same name in another namespace is another object', () => {
    const store = new Store();
    store.create('pods', pod('a'));
    expect(status(() => store.create('pods', pod('a')))).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "a" already exists', reason: 'AlreadyExists',
      details: { name: 'a', kind: 'pods' }, code: 409,
    });
    expect(store.create('pods', pod('a', 'other')).metadata.namespace).toBe('other');
  });

  it('gives copies: changing what get or list returned changes nothing stored', () => {
    const store = new Store();
    store.create('pods', pod('a'));
    store.get('pods', 'default', 'a')!.metadata.labels = { changed: 'yes' };
    store.list('pods')[0].spec.containers = [];
    expect(store.get('pods', 'default', 'a')!.metadata.labels).toBeUndefined();
    expect(store.get('pods', 'default', 'a')!.spec.containers).toHaveLength(1);
  });

  it('update with a stale resourceVersion is 409 Conflict, with the message kubectl prints', () => {
    const store = new Store();
    const v1 = store.create('pods', pod('a'));
    store.update('pods', { ...v1, metadata: { ...v1.metadata, labels: { step: 'one' } } });
    expect(status(() => store.update('pods', { ...v1, metadata: { ...v1.metadata, labels: { step: 'two' } } }))).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict', details: { name: 'a', kind: 'pods' }, code: 409,
    });
    expect(store.get('pods', 'default', 'a')!.metadata.labels).toEqual({ step: 'one' });
  });

  it('update without a resourceVersion is unconditional; uid and creationTimestamp stay, generation moves with the spec only', () => {
    const store = new Store();
    const v1 = store.create('pods', pod('a'));
    const labelled = store.update('pods', { ...pod('a'), metadata: { name: 'a', namespace: 'default', labels: { x: '1' }, uid: 'forged', creationTimestamp: '2000-01-01T00:00:00Z' } });
    expect(labelled.metadata).toMatchObject({ uid: v1.metadata.uid, creationTimestamp: v1.metadata.creationTimestamp, resourceVersion: '3', generation: 1 });
    const respecced = store.update('pods', { ...labelled, spec: { containers: [{ name: 'c', image: 'alpine' }] } });
    expect(respecced.metadata).toMatchObject({ resourceVersion: '4', generation: 2 });
  });

  it('update and delete of a missing object are 404 NotFound', () => {
    const store = new Store();
    const notFound = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "ghost" not found', reason: 'NotFound', details: { name: 'ghost', kind: 'pods' }, code: 404 };
    expect(status(() => store.update('pods', pod('ghost')))).toEqual(notFound);
    expect(status(() => store.delete('pods', 'default', 'ghost'))).toEqual(notFound);
    expect(status(() => store.mustGet('pods', 'default', 'ghost'))).toEqual(notFound);
    expect(store.get('pods', 'default', 'ghost')).toBeUndefined();
  });

  it('delete gives the object at a new resourceVersion, the one its DELETED event carries', () => {
    const store = new Store();
    store.create('pods', pod('a'));
    const seen: WatchEvent[] = [];
    store.watch('pods', undefined, (e) => seen.push(e));
    const gone = store.delete('pods', 'default', 'a');
    expect(gone.metadata.resourceVersion).toBe('3');
    expect(seen.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).toEqual([['DELETED', 'a', '3']]);
    expect(store.list('pods')).toEqual([]);
  });

  it('mutate writes only when something changed, and gives undefined for an object that is gone', () => {
    const store = new Store();
    store.create('pods', pod('a'));
    const same = store.mutate('pods', 'default', 'a', () => {});
    expect(same!.metadata.resourceVersion).toBe('2');
    expect(store.resourceVersion).toBe('2');
    const changed = store.mutate('pods', 'default', 'a', (p) => (p.status = { phase: 'Running' }));
    expect(changed!.metadata.resourceVersion).toBe('3');
    expect(store.mutate('pods', 'default', 'nope', () => {})).toBeUndefined();
  });

  it('lists in key order (namespace/name, bytewise, as etcd ranges), filtered by namespace', () => {
    const store = new Store();
    for (const [name, ns] of [['b', 'default'], ['a-1', 'default'], ['a0', 'default'], ['a.b', 'default'], ['a', 'default'], ['pod10', 'default'], ['pod9', 'default'], ['a', 'a-team'], ['z', 'a']]) {
      store.create('pods', pod(name, ns));
    }
    expect(store.list('pods').map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'a-team/a', 'a/z', 'default/a', 'default/a-1', 'default/a.b', 'default/a0', 'default/b', 'default/pod10', 'default/pod9',
    ]);
    expect(store.list('pods', 'a-team').map((p) => p.metadata.name)).toEqual(['a']);
    expect(store.list('pods', undefined, (p) => p.metadata.name.startsWith('pod')).map((p) => p.metadata.name)).toEqual(['pod10', 'pod9']);
  });

  it('watch from a resourceVersion replays what came after it, of that resource only, then goes on live', () => {
    const store = new Store();
    const a = store.create('pods', pod('a'));
    store.create('namespaces', { metadata: { name: 'team-a' } });
    store.update('pods', { ...a, metadata: { ...a.metadata, labels: { x: '1' } } });
    const seen: string[] = [];
    const stop = store.watch('pods', a.metadata.resourceVersion, (e) => seen.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`));
    expect(seen).toEqual(['MODIFIED a 4']);
    store.create('pods', pod('b'));
    stop();
    store.create('pods', pod('c'));
    expect(seen).toEqual(['MODIFIED a 4', 'ADDED b 5']);
  });

  it('watch without a resourceVersion starts now: no replay', () => {
    const store = new Store();
    store.create('pods', pod('a'));
    const seen: WatchEvent[] = [];
    store.watch('pods', undefined, (e) => seen.push(e));
    expect(seen).toEqual([]);
  });

  it('watch events are copies: a watcher changing one changes neither the store nor the next watcher', () => {
    const store = new Store();
    const seen: WatchEvent[] = [];
    store.watch('pods', undefined, (e) => (e.object.metadata.name = 'mangled'));
    store.watch('pods', undefined, (e) => seen.push(e));
    store.create('pods', pod('a'));
    expect(seen[0].object.metadata.name).toBe('a');
    expect(store.get('pods', 'default', 'a')).toBeDefined();
  });

  it('a resourceVersion older than the kept history is 410 Expired ("too old resource version"); the oldest kept one still replays', () => {
    const store = new Store();
    for (let i = 0; i < 2100; i++) store.create('events', { metadata: { name: `e${i}`, namespace: 'default' } });
    // 2100 writes at versions 2…2101; the last 2000 (102…2101) are kept, so 101 is the oldest version to watch from.
    expect(status(() => store.watch('events', '3', () => {}))).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 3 (101)', reason: 'Expired', code: 410,
    });
    expect(status(() => store.watch('events', '100', () => {})).code).toBe(410);
    const seen: string[] = [];
    store.watch('events', '101', (e) => seen.push(e.object.metadata.resourceVersion));
    expect(seen).toHaveLength(2000);
    expect([seen[0], seen[1999]]).toEqual(['102', '2101']);
  });
});
