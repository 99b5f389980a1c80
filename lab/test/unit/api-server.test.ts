// The API server in-process, over HTTPS on 127.0.0.1 with its own CA and token, a real Store, and stand-ins for
// what runs pods (a log source, an upgrade handler): what a client sees of discovery, list/get/watch, create,
// update, delete, tables, logs and errors, without root or a dataplane.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import { Readable } from 'node:stream';
import { createStore, type Store } from '../../src/store/index.ts';
import { createApiServer, generateCerts, buildNodes, type ApiServer } from '../../src/api/index.ts';
import { startTestApi, ADMIN_TOKEN as TOKEN, type TestApi } from './api-client.ts';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
let t: TestApi;
let store: Store;
let api: ApiServer;
let ca = '';
const logCalls: { ns: string; pod: string; opts: Record<string, unknown> }[] = [];
const upgradeCalls: { kind: string; pod: string }[] = [];

const request: TestApi['request'] = (method, path, opts) => t.request(method, path, opts);
const get = (path: string, accept?: string) => request('GET', path, { accept });

/** A watch: the events so far, and a way to wait for more and to stop it. */
function watch(path: string, accept?: string) {
  const events: { type: string; object: any }[] = [];
  let buf = '';
  let status = 0;
  const req = https.get({ host: '127.0.0.1', port: api.port, path, ca, headers: { authorization: `Bearer ${TOKEN}`, ...(accept ? { accept } : {}) } }, (res) => {
    status = res.statusCode!;
    res.setEncoding('utf8');
    res.on('data', (c) => {
      buf += c;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
  });
  req.on('error', () => {});
  return {
    events,
    status: () => status,
    until: async (n: number) => {
      for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(events.length).toBeGreaterThanOrEqual(n);
      return events;
    },
    stop: () => req.destroy(),
  };
}

const status = (code: number, reason: string, message: string, details?: Record<string, unknown>) =>
  ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
const podBody = (name: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox' }] }, ...extra });
/** A pod as the kubelet leaves it once it runs: scheduled, Running. */
function runningPod(name: string, namespace = 'default') {
  const created = store.create('pods', { ...podBody(name), metadata: { name, namespace }, spec: { nodeName: 'kind-worker', terminationGracePeriodSeconds: 30, containers: [{ name: 'main', image: 'busybox' }] }, status: { phase: 'Running' } });
  return created;
}

beforeAll(async () => {
  store = createStore();
  for (const n of buildNodes([{ name: 'kind-control-plane', address: '172.18.0.2', podCIDR: '10.244.0.0/24' }, { name: 'kind-worker', address: '172.18.0.3', podCIDR: '10.244.1.0/24' }])) {
    store.create('nodes', n);
  }
  t = await startTestApi({
    store,
    kubelet: {
      logs: (ns: string, pod: string, opts: object) => {
        logCalls.push({ ns, pod, opts: { ...opts } });
        return Readable.from(['first line\n', 'second line\n']);
      },
    } as never,
    upgrades: ((kind: string, pod: any, _req: unknown, socket: import('node:stream').Duplex) => {
      upgradeCalls.push({ kind, pod: pod.metadata.name });
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    }) as never,
  });
  ({ api, ca } = t);
}, 30_000);
afterAll(async () => {
  await api?.close();
});

describe('API server: authentication and errors', () => {
  it('answers 401 Unauthorized with a token nobody knows, on any path, the public ones too', async () => {
    for (const token of ['wrong', `${TOKEN}x`]) {
      for (const path of ['/api/v1/namespaces/default/pods', '/api', '/openapi/v2', '/versions', '/version/../api', '/healthz/%2e%2e/api', '/version/', '/%%', '/version', '/healthz', '/readyz', '/livez']) {
        const r = await request('GET', path, { token });
        expect([token, path, r.status]).toEqual([token, path, 401]);
        expect(r.json).toEqual(status(401, 'Unauthorized', 'Unauthorized'));
      }
    }
  });

  it('without credentials a request is system:anonymous: RBAC\'s 403 in kube-apiserver\'s words (kind\'s --anonymous-auth=true)', async () => {
    const forbidden = (message: string, details: Record<string, string> = {}) => status(403, 'Forbidden', message, details);
    expect((await request('GET', '/api/v1/pods', { token: null })).json).toEqual(
      forbidden('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope', { kind: 'pods' }));
    expect((await request('GET', '/api/v1/namespaces/default/pods/kiada', { token: null })).json).toEqual(
      forbidden('pods "kiada" is forbidden: User "system:anonymous" cannot get resource "pods" in API group "" in the namespace "default"', { name: 'kiada', kind: 'pods' }));
    // Discovery is system:discovery's, bound to system:authenticated only; a path the policy does not name is a
    // path like any other, `..` and escapes included.
    for (const path of ['/api', '/apis', '/openapi/v2', '/versions', '/version/../api', '/healthz/%2e%2e/api', '/healthz/etcd']) {
      const shown = decodeURIComponent(path);
      expect([path, (await request('GET', path, { token: null })).json]).toEqual([path, forbidden(`forbidden: User "system:anonymous" cannot get path "${shown}"`)]);
    }
    for (const path of ['/version', '/healthz']) {
      expect([path, (await request('POST', path, { token: null, body: {} })).json]).toEqual([path, forbidden(`forbidden: User "system:anonymous" cannot post path "${path}"`)]);
    }
  });

  it('anonymous requests may read /version and the health checks, as system:public-info-viewer allows on kind', async () => {
    expect((await request('GET', '/version', { token: null })).json.gitVersion).toBe('v1.32.0');
    expect((await request('GET', '/version/', { token: null })).status).not.toBe(403);
    for (const path of ['/healthz', '/readyz', '/livez', '/livez?verbose']) {
      const r = await request('GET', path, { token: null });
      expect([path, r.status, r.text]).toEqual([path, 200, 'ok']);
    }
  });

  it('404 NotFound for what it does not serve, with the message of kube-apiserver', async () => {
    for (const path of ['/api/v1/services', '/apis/apps/v1/namespaces/default/deployments', '/api/v2/pods', '/api/v1/namespaces/default/nodes/x', '/nope']) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.json).toEqual(status(404, 'NotFound', 'the server could not find the requested resource', {}));
    }
    const missing = await get('/api/v1/namespaces/default/pods/ghost');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(status(404, 'NotFound', 'pods "ghost" not found', { name: 'ghost', kind: 'pods' }));
  });

  it('405 MethodNotAllowed for a verb the resource does not take', async () => {
    runningPod('verbs');
    for (const [method, path] of [['POST', '/api/v1/namespaces/default/pods/verbs'], ['PUT', '/api/v1/namespaces/default/pods'], ['DELETE', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kind-worker']]) {
      const r = await request(method, path, { body: {} });
      expect([method, path, r.status]).toEqual([method, path, 405]);
      expect(r.json).toEqual(status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    }
  });

  it('415 UnsupportedMediaType for a PATCH in a format it does not know', async () => {
    runningPod('patchy');
    const r = await request('PATCH', '/api/v1/namespaces/default/pods/patchy', { body: '{}', type: 'text/plain' });
    expect(r.status).toBe(415);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'UnsupportedMediaType', code: 415 });
    expect(r.json.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml');
  });

  it('400 BadRequest for a body that is not JSON or YAML, and for a label selector kube-apiserver refuses', async () => {
    const r = await request('POST', '/api/v1/namespaces/default/pods', { body: '{"kind": "Pod", ' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const sel = await get('/api/v1/pods?labelSelector=app%20in%20web');
    expect(sel.status).toBe(400);
    expect(sel.json).toEqual(status(400, 'BadRequest', "unable to parse requirement: found 'web' expected: '('"));
    const field = await get('/api/v1/pods?fieldSelector=status.phase');
    expect(field.json).toEqual(status(400, 'BadRequest', "invalid selector: 'status.phase'; can't understand 'status.phase'"));
    // Fields each resource offers, as its strategy's ToSelectableFields: lists, watches and single-object watches.
    for (const path of ['/api/v1/pods?fieldSelector=spec.containers%3Dx', '/api/v1/nodes?watch=true&fieldSelector=status.phase%3DReady', '/api/v1/namespaces/default/pods/x?watch=true&fieldSelector=reason%3DKilling']) {
      const r = await get(path);
      expect([path, r.status, r.json.message]).toEqual([path, 400, `field label not supported: ${decodeURIComponent(/fieldSelector=([^%]+)/.exec(path)![1])}`]);
    }
    expect((await get('/api/v1/events?fieldSelector=involvedObject.name%3Dkiada,reason%3DKilling')).status).toBe(200);
  });
});

describe('API server: discovery', () => {
  it('serves /version, /api, /apis, /api/v1, the lease and access groups and the OpenAPI v3 index', async () => {
    expect((await get('/version')).json.gitVersion).toBe('v1.32.0');
    expect((await get('/api')).json).toEqual({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${api.port}` }] });
    expect((await get('/apis')).json.groups.map((g: any) => g.name)).toEqual(['authentication.k8s.io', 'authorization.k8s.io', 'rbac.authorization.k8s.io', 'coordination.k8s.io']);
    expect((await get('/apis/rbac.authorization.k8s.io/v1')).json.resources.map((r: any) => r.name)).toEqual(['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles']);
    expect((await get('/apis/authorization.k8s.io/v1')).json.groupVersion).toBe('authorization.k8s.io/v1');
    const v1 = await get('/api/v1');
    expect(v1.headers['content-type']).toBe('application/json');
    expect(v1.json.resources.map((r: any) => r.name)).toContain('pods/portforward');
    expect((await get('/apis/coordination.k8s.io/v1')).json.resources[0].name).toBe('leases');
    expect((await get('/openapi/v3')).json.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect((await get('/openapi/v3/api/v1')).json.openapi).toBe('3.0.0');
    expect((await get('/openapi/v2')).json.definitions['io.k8s.api.core.v1.Pod'].type).toBe('object');
  });

  it('answers the health checks with ok', async () => {
    for (const path of ['/healthz', '/readyz', '/livez']) {
      const r = await get(path);
      expect([r.status, r.headers['content-type'], r.text]).toEqual([200, 'text/plain; charset=utf-8', 'ok']);
    }
  });
});

describe('API server: list, get, tables', () => {
  it('lists with the store\'s resourceVersion, by namespace or across all, filtered by selectors', async () => {
    store.create('pods', { ...podBody('sel-a'), metadata: { name: 'sel-a', namespace: 'kube-system', labels: { app: 'sel', tier: 'web' } } });
    store.create('pods', { ...podBody('sel-b'), metadata: { name: 'sel-b', namespace: 'default', labels: { app: 'sel' } } });
    const all = await get('/api/v1/pods?labelSelector=app%3Dsel');
    expect(all.json.kind).toBe('PodList');
    expect(all.json.apiVersion).toBe('v1');
    expect(all.json.metadata).toEqual({ resourceVersion: store.resourceVersion });
    expect(all.json.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['default/sel-b', 'kube-system/sel-a']);
    expect((await get('/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dsel')).json.items.map((p: any) => p.metadata.name)).toEqual(['sel-a']);
    expect((await get('/api/v1/pods?labelSelector=app%3Dsel,tier%20notin%20(web)')).json.items.map((p: any) => p.metadata.name)).toEqual(['sel-b']);
    expect((await get('/api/v1/pods?labelSelector=app%3Dsel&fieldSelector=metadata.namespace%3Dkube-system')).json.items.map((p: any) => p.metadata.name)).toEqual(['sel-a']);
    expect((await get('/api/v1/namespaces')).json.items.map((n: any) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-node-lease', 'kube-public', 'kube-system']));
    expect((await get('/api/v1/nodes')).json.items.map((n: any) => n.metadata.name)).toEqual(['kind-control-plane', 'kind-worker']);
  });

  it('a list changes as soon as the store does (no stale cached list)', async () => {
    const before = (await get('/api/v1/namespaces/default/pods')).json;
    store.create('pods', { ...podBody('fresh'), metadata: { name: 'fresh', namespace: 'default' } });
    const after = (await get('/api/v1/namespaces/default/pods')).json;
    expect(after.items.length).toBe(before.items.length + 1);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
  });

  it('gets one object, or its Table for kubectl get', async () => {
    runningPod('tabled');
    const pod = (await get('/api/v1/namespaces/default/pods/tabled')).json;
    expect(pod.metadata.name).toBe('tabled');
    const t = (await get('/api/v1/namespaces/default/pods/tabled', TABLE)).json;
    expect(t.kind).toBe('Table');
    expect(t.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0].cells.slice(0, 4)).toEqual(['tabled', '0/1', 'Running', '0']);
    expect(t.rows[0].object.metadata.uid).toBe(pod.metadata.uid);
    const nodes = (await get('/api/v1/nodes', TABLE)).json;
    expect(nodes.rows.map((r: any) => r.cells.slice(0, 3))).toEqual([['kind-control-plane', 'Ready', 'control-plane'], ['kind-worker', 'Ready', '<none>']]);
    const ns = (await get('/api/v1/namespaces/kube-public', TABLE)).json;
    expect(ns.rows[0].cells.slice(0, 2)).toEqual(['kube-public', 'Active']);
  });

  it('serves node Leases as coordination.k8s.io/v1', async () => {
    const lease = (await get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kind-worker')).json;
    expect(lease).toMatchObject({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { holderIdentity: 'kind-worker', leaseDurationSeconds: 40 } });
    expect((await get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/nope')).status).toBe(404);
  });
});

describe('API server: create', () => {
  it('creates a pod with the defaults of a real API server: 201, uid, resourceVersion, Pending, BestEffort', async () => {
    const r = await request('POST', '/api/v1/namespaces/default/pods', { body: podBody('created') });
    expect(r.status).toBe(201);
    expect(r.json.metadata).toMatchObject({ name: 'created', namespace: 'default', resourceVersion: store.resourceVersion });
    expect(r.json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', serviceAccountName: 'default' });
    expect(r.json.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(r.json.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(store.get('pods', 'default', 'created')!.metadata.uid).toBe(r.json.metadata.uid);
  });

  it('generateName gives a name of the prefix and five random characters', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await request('POST', '/api/v1/namespaces/default/pods', { body: { ...podBody(''), metadata: { generateName: 'gen-' } } });
      expect(r.status).toBe(201);
      // apimachinery's rand.String: consonants and digits that cannot be misread, never a vowel, 0, 1 or 3.
      expect(r.json.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(r.json.metadata.generateName).toBe('gen-');
      names.add(r.json.metadata.name);
    }
    expect(names.size).toBe(3);
  });

  it('takes YAML as kubectl sends it with --validate=false', async () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: main\n    image: busybox\n';
    const r = await request('POST', '/api/v1/namespaces/default/pods', { body: yaml, type: 'application/yaml' });
    expect([r.status, r.json.metadata.name]).toEqual([201, 'from-yaml']);
  });

  it('409 AlreadyExists for a second pod of the same name; 404 for a namespace that does not exist', async () => {
    await request('POST', '/api/v1/namespaces/default/pods', { body: podBody('twice') });
    const again = await request('POST', '/api/v1/namespaces/default/pods', { body: podBody('twice') });
    expect(again.status).toBe(409);
    expect(again.json).toEqual(status(409, 'AlreadyExists', 'pods "twice" already exists', { name: 'twice', kind: 'pods' }));
    const nowhere = await request('POST', '/api/v1/namespaces/nowhere/pods', { body: podBody('lost') });
    expect(nowhere.status).toBe(404);
    expect(nowhere.json).toEqual(status(404, 'NotFound', 'namespaces "nowhere" not found', { name: 'nowhere', kind: 'namespaces' }));
  });

  it('400 when the body names another namespace than the URL', async () => {
    const r = await request('POST', '/api/v1/namespaces/default/pods', { body: { ...podBody('elsewhere'), metadata: { name: 'elsewhere', namespace: 'kube-system' } } });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
  });

  it('dryRun=All answers as a create would and stores nothing', async () => {
    const r = await request('POST', '/api/v1/namespaces/default/pods?dryRun=All', { body: podBody('dry') });
    expect([r.status, r.json.metadata.name]).toEqual([201, 'dry']);
    expect(store.get('pods', 'default', 'dry')).toBeUndefined();
  });

  it('creates a namespace Active, labelled with its name, with the kubernetes finalizer', async () => {
    const r = await request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  });
});

describe('API server: update', () => {
  it('PUT with the current resourceVersion succeeds at a new one; with a stale one it is 409 Conflict', async () => {
    const pod = (await request('POST', '/api/v1/namespaces/default/pods', { body: podBody('versioned') })).json;
    const labelled = await request('PUT', '/api/v1/namespaces/default/pods/versioned', { body: { ...pod, metadata: { ...pod.metadata, labels: { step: 'one' } } } });
    expect(labelled.status).toBe(200);
    expect(Number(labelled.json.metadata.resourceVersion)).toBeGreaterThan(Number(pod.metadata.resourceVersion));
    const stale = await request('PUT', '/api/v1/namespaces/default/pods/versioned', { body: { ...pod, metadata: { ...pod.metadata, labels: { step: 'two' } } } });
    expect(stale.status).toBe(409);
    expect(stale.json).toEqual(status(409, 'Conflict', 'Operation cannot be fulfilled on pods "versioned": the object has been modified; please apply your changes to the latest version and try again', { name: 'versioned', kind: 'pods' }));
    expect(store.get('pods', 'default', 'versioned')!.metadata.labels).toEqual({ step: 'one' });
  });

  it('PATCH (merge and strategic merge) changes what it names and keeps the rest', async () => {
    await request('POST', '/api/v1/namespaces/default/pods', { body: { ...podBody('patched'), metadata: { name: 'patched', labels: { app: 'a' } } } });
    const merge = await request('PATCH', '/api/v1/namespaces/default/pods/patched', { body: { metadata: { labels: { tier: 'web' } } }, type: 'application/merge-patch+json' });
    expect([merge.status, merge.json.metadata.labels]).toEqual([200, { app: 'a', tier: 'web' }]);
    const strategic = await request('PATCH', '/api/v1/namespaces/default/pods/patched', { body: { metadata: { labels: { app: null } } }, type: 'application/strategic-merge-patch+json' });
    expect([strategic.status, strategic.json.metadata.labels]).toEqual([200, { tier: 'web' }]);
    expect(strategic.json.spec.containers[0].name).toBe('main');
  });
});

describe('API server: delete', () => {
  it('a pod that was never scheduled goes at once, and the answer is the pod', async () => {
    await request('POST', '/api/v1/namespaces/default/pods', { body: podBody('unscheduled') });
    const r = await request('DELETE', '/api/v1/namespaces/default/pods/unscheduled');
    expect([r.status, r.json.kind, r.json.metadata.name]).toEqual([200, 'Pod', 'unscheduled']);
    expect((await get('/api/v1/namespaces/default/pods/unscheduled')).status).toBe(404);
  });

  it('a scheduled running pod is deleted gracefully: deletionTimestamp now + grace period, for the kubelet to finish', async () => {
    runningPod('graceful');
    const before = Date.now();
    const r = await request('DELETE', '/api/v1/namespaces/default/pods/graceful');
    expect(r.status).toBe(200);
    expect(r.json.metadata.deletionGracePeriodSeconds).toBe(30);
    const at = Date.parse(r.json.metadata.deletionTimestamp);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 30_000 - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(r.json.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Still there, Terminating, until the kubelet removes it; deleting again changes nothing.
    const t = (await get('/api/v1/namespaces/default/pods/graceful', TABLE)).json;
    expect(t.rows[0].cells[2]).toBe('Terminating');
    const again = await request('DELETE', '/api/v1/namespaces/default/pods/graceful');
    expect(again.json.metadata.deletionTimestamp).toBe(r.json.metadata.deletionTimestamp);
  });

  it('the grace period comes from ?gracePeriodSeconds, or the DeleteOptions body; 0 deletes at once', async () => {
    runningPod('short');
    expect((await request('DELETE', '/api/v1/namespaces/default/pods/short?gracePeriodSeconds=5')).json.metadata.deletionGracePeriodSeconds).toBe(5);
    runningPod('body');
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 7 };
    expect((await request('DELETE', '/api/v1/namespaces/default/pods/body', { body })).json.metadata.deletionGracePeriodSeconds).toBe(7);
    runningPod('now');
    await request('DELETE', '/api/v1/namespaces/default/pods/now?gracePeriodSeconds=0');
    expect(store.get('pods', 'default', 'now')).toBeUndefined();
  });

  it('other resources answer a delete with a Success Status naming what went', async () => {
    const ev = store.create('events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'x' } });
    const r = await request('DELETE', '/api/v1/namespaces/default/events/e1');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'e1', kind: 'events', uid: ev.metadata.uid } });
  });

  it('deleting a namespace deletes its pods (gracefully when they run) and its events; nothing can be created in it after', async () => {
    await request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
    await request('POST', '/api/v1/namespaces/doomed/pods', { body: podBody('waiting') });
    runningPod('busy', 'doomed');
    store.create('events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'doomed' }, involvedObject: { kind: 'Pod', name: 'busy' } });
    const r = await request('DELETE', '/api/v1/namespaces/doomed');
    expect([r.status, r.json.kind, r.json.metadata.name]).toEqual([200, 'Namespace', 'doomed']);
    expect(store.get('pods', 'doomed', 'waiting')).toBeUndefined();
    expect(store.get('pods', 'doomed', 'busy')!.metadata.deletionTimestamp).toBeDefined();
    expect(store.list('events', 'doomed')).toEqual([]);
    expect([r.json.status.phase, store.get('namespaces', undefined, 'doomed')!.status.phase]).toEqual(['Terminating', 'Terminating']);
    // NamespaceLifecycle: nothing new while it is being deleted.
    const late = await request('POST', '/api/v1/namespaces/doomed/pods', { body: podBody('late') });
    expect(late.json).toEqual(status(403, 'Forbidden', 'pods "late" is forbidden: unable to create new content in namespace doomed because it is being terminated', {
      name: 'late', kind: 'pods', causes: [{ reason: 'NamespaceTerminating', message: 'namespace doomed is being terminated', field: 'metadata.namespace' }],
    }));
    const again = await request('DELETE', '/api/v1/namespaces/doomed');
    expect([again.status, again.json.reason]).toEqual([409, 'Conflict']);
    // The kubelet removes the pod once its containers stopped: the namespace goes with its last pod.
    store.delete('pods', 'doomed', 'busy');
    expect(store.get('namespaces', undefined, 'doomed')).toBeUndefined();
    expect((await request('POST', '/api/v1/namespaces/doomed/pods', { body: podBody('later') })).status).toBe(404);
  });
});

describe('API server: watch', () => {
  it('without a resourceVersion: the current objects as ADDED, then every change, filtered like the list', async () => {
    await request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'watched' } } });
    store.create('pods', { ...podBody('w1'), metadata: { name: 'w1', namespace: 'watched', labels: { app: 'w' } } });
    store.create('pods', { ...podBody('other'), metadata: { name: 'other', namespace: 'watched' } });
    const w = watch('/api/v1/namespaces/watched/pods?watch=true&labelSelector=app%3Dw');
    await w.until(1);
    expect(w.status()).toBe(200);
    const w2 = store.create('pods', { ...podBody('w2'), metadata: { name: 'w2', namespace: 'watched', labels: { app: 'w' } } });
    store.create('pods', { ...podBody('unlabelled'), metadata: { name: 'unlabelled', namespace: 'watched' } });
    store.mutate('pods', 'watched', 'w2', (p) => (p.status = { phase: 'Running' }));
    store.delete('pods', 'watched', 'w1');
    const events = await w.until(4);
    w.stop();
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'w1'], ['ADDED', 'w2'], ['MODIFIED', 'w2'], ['DELETED', 'w1']]);
    expect(events[1].object.metadata.resourceVersion).toBe(w2.metadata.resourceVersion);
  });

  it('from a resourceVersion: what happened after it, replayed, then live', async () => {
    const a = store.create('pods', { ...podBody('r1'), metadata: { name: 'r1', namespace: 'watched' } });
    store.mutate('pods', 'watched', 'r1', (p) => (p.metadata.labels = { seen: 'later' }));
    store.create('pods', { ...podBody('r2'), metadata: { name: 'r2', namespace: 'watched' } });
    const w = watch(`/api/v1/namespaces/watched/pods?watch=true&resourceVersion=${a.metadata.resourceVersion}`);
    await w.until(2);
    store.delete('pods', 'watched', 'r2');
    const events = await w.until(3);
    w.stop();
    expect(events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels ?? null])).toEqual([
      ['MODIFIED', 'r1', { seen: 'later' }], ['ADDED', 'r2', null], ['DELETED', 'r2', null],
    ]);
  });

  it('from a resourceVersion older than the history: 200, one ERROR event with the 410 Expired Status, then the end', async () => {
    const small = createStore();
    for (let i = 0; i < 2100; i++) small.mutate('namespaces', undefined, 'default', (n) => (n.metadata.labels = { i: String(i) }));
    const other = await createApiServer({ store: small, token: TOKEN, tls: await generateCerts(), kubelet: {} as never, upgrades: (() => {}) as never });
    try {
      const r = await new Promise<{ status: number; type: string | undefined; text: string }>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: other.port, path: '/api/v1/namespaces?watch=true&resourceVersion=2', rejectUnauthorized: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], text })).on('error', reject);
        }).on('error', reject);
      });
      expect([r.status, r.type]).toEqual([200, 'application/json']);
      expect(r.text.split('\n')).toEqual([JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: 2 (${Number(small.resourceVersion) - 2000})`) }), '']);
    } finally {
      await other.close();
    }
  });

  it('a single object, as kubectl get pod NAME -w asks for it', async () => {
    const w = watch('/api/v1/namespaces/watched/pods/r1?watch=true');
    await w.until(1);
    store.create('pods', { ...podBody('r3'), metadata: { name: 'r3', namespace: 'watched' } });
    store.mutate('pods', 'watched', 'r1', (p) => (p.metadata.labels = { seen: 'again' }));
    const events = await w.until(2);
    w.stop();
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'r1'], ['MODIFIED', 'r1']]);
  });

  it('as Tables for kubectl get -w: the first event carries the column definitions, the others not', async () => {
    const w = watch('/api/v1/namespaces/watched/pods?watch=true&fieldSelector=metadata.name%3Dr1', TABLE);
    await w.until(1);
    store.mutate('pods', 'watched', 'r1', (p) => (p.status = { phase: 'Running' }));
    const events = await w.until(2);
    w.stop();
    expect(events.map((e) => [e.type, e.object.kind, e.object.columnDefinitions === null, e.object.rows[0].cells[0]])).toEqual([
      ['ADDED', 'Table', false, 'r1'], ['MODIFIED', 'Table', true, 'r1'],
    ]);
  });
});

describe('API server: logs and streaming upgrades', () => {
  it('logs: the kubelet\'s stream as text/plain, with the options kubectl logs sends', async () => {
    runningPod('talker');
    const r = await get('/api/v1/namespaces/default/pods/talker/log?container=main&follow=true&tailLines=2&timestamps=true&previous=false&sinceSeconds=60&limitBytes=100');
    expect([r.status, r.headers['content-type'], r.text]).toEqual([200, 'text/plain', 'first line\nsecond line\n']);
    expect(logCalls.at(-1)).toEqual({ ns: 'default', pod: 'talker', opts: { container: 'main', follow: true, tailLines: 2, timestamps: true, previous: false, sinceSeconds: 60, limitBytes: 100 } });
    expect((await get('/api/v1/namespaces/default/pods/silent/log')).json).toEqual(status(404, 'NotFound', 'pods "silent" not found', { name: 'silent', kind: 'pods' }));
  });

  /** An HTTP upgrade request; the status line the server answers. */
  function upgrade(path: string, token: string | null = TOKEN): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' };
      if (token) headers.authorization = `Bearer ${token}`;
      const req = https.request({ host: '127.0.0.1', port: api.port, path, method: 'POST', headers, ca });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode!);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('hands exec, attach and port-forward upgrades of a running pod to the streaming side', async () => {
    runningPod('streamed');
    upgradeCalls.length = 0;
    expect(await upgrade('/api/v1/namespaces/default/pods/streamed/exec?command=sh&stdin=true&stdout=true')).toBe(101);
    expect(await upgrade('/api/v1/namespaces/default/pods/streamed/attach?stdout=true')).toBe(101);
    expect(await upgrade('/api/v1/namespaces/default/pods/streamed/portforward')).toBe(101);
    expect(upgradeCalls).toEqual([{ kind: 'exec', pod: 'streamed' }, { kind: 'attach', pod: 'streamed' }, { kind: 'portforward', pod: 'streamed' }]);
  });

  it('refuses them without a token (403, anonymous) or with a wrong one (401), for a missing pod (404), or a pod not running (400)', async () => {
    upgradeCalls.length = 0;
    expect(await upgrade('/api/v1/namespaces/default/pods/streamed/exec?command=sh', null)).toBe(403);
    expect(await upgrade('/api/v1/namespaces/default/pods/streamed/exec?command=sh', 'wrong')).toBe(401);
    expect(await upgrade('/api/v1/namespaces/default/pods/ghost/exec?command=sh')).toBe(404);
    await request('POST', '/api/v1/namespaces/default/pods', { body: podBody('pending') });
    expect(await upgrade('/api/v1/namespaces/default/pods/pending/portforward')).toBe(400);
    expect(upgradeCalls).toEqual([]);
  });
});
