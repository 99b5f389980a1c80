// The lab's trace events over HTTP (lab.kiada.dev/v1 traces): who sees which, a client's own report checked field
// by field, the watch as it happens, and the app's log line matched to the request it belongs to.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { serveTraces } from '../../src/trace/api.ts';
import { identityOf } from '../../src/trace/upgrade.ts';
import { sendError } from '../../src/api/http.ts';

const ALICE = 'Bearer alice-token';
const BOB = 'Bearer bob-token';
const idOf = (authorization: string) => identityOf({ headers: { authorization } } as http.IncomingMessage);
const ref = { namespace: 'default', pod: 'kiada', node: 'kind-worker', podIP: '10.244.1.2' };
const origin = () => ({ method: 'node' as const, detail: 'from node kind-worker, over its bridge cni0' });

describe('the trace API', () => {
  const recorder = new TraceRecorder();
  let server: http.Server;
  let base = '';
  const call = async (path: string, authorization: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { authorization, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const served = serveTraces({ recorder, mayRead: (who, ns) => who === idOf(ALICE) || ns !== 'default' }, req, res);
      if (served === false) return void res.writeHead(418).end('{}');
      served.catch((err) => sendError(res, err));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('serves its resource list, and leaves other paths to the API server', async () => {
    expect(await call('/apis/lab.kiada.dev/v1', ALICE)).toEqual({
      status: 200,
      body: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'lab.kiada.dev/v1', resources: [{ name: 'traces', singularName: 'trace', namespaced: false, kind: 'TraceEvent', verbs: ['create', 'get', 'list', 'watch'] }] },
    });
    expect((await call('/api/v1/pods', ALICE)).status).toBe(418);
    expect((await call('/apis/lab.kiada.dev/v1/nope', ALICE)).status).toBe(404);
    expect((await call('/apis/lab.kiada.dev/v1/traces', ALICE, { method: 'DELETE' })).status).toBe(405);
  });

  it("each sees the events of its own requests, and the app's lines nobody claimed where it may read the pod", async () => {
    const a = recorder.open('exec', ref, { trace: 'aaaa1111', owner: idOf(ALICE), loopback: true });
    a.record('kubelet', true, 'started `curl localhost:8080`');
    const b = recorder.open('port-forward', ref, { owner: idOf(BOB), loopback: true });
    b.record('pod loopback', false, 'connecting', { error: 'connection refused' });
    recorder.recordApp(ref, '/?trace=aaaa1111', '::ffff:127.0.0.1', Date.now(), origin);
    recorder.recordApp(ref, '/', '::ffff:10.244.1.1', Date.now(), origin);
    const alice = (await call('/apis/lab.kiada.dev/v1/traces', ALICE)).body;
    expect(alice.items.map((e: { hop: string; trace?: string; method: string }) => [e.hop, e.trace, e.method])).toEqual([
      ['kubelet', 'aaaa1111', 'exec'], ['app', 'aaaa1111', 'exec'], ['app', undefined, 'node'],
    ]);
    expect(alice.items[2].detail).toBe('the app logged "Received request for / from ::ffff:10.244.1.1" (from node kind-worker, over its bridge cni0)');
    expect(alice.items.every((e: object) => !('owner' in e))).toBe(true);
    // Bob sees his own failure only: not Alice's exec, not the app's lines in a namespace he may not read.
    const bob = (await call('/apis/lab.kiada.dev/v1/traces', BOB)).body;
    expect(bob.items.map((e: { hop: string; error?: string }) => [e.hop, e.error])).toEqual([['pod loopback', 'connection refused']]);
    // By trace id.
    const one = (await call('/apis/lab.kiada.dev/v1/traces?fieldSelector=trace%3Daaaa1111', ALICE)).body;
    expect(one.items.map((e: { hop: string }) => e.hop)).toEqual(['kubelet', 'app']);
    expect(one).toMatchObject({ kind: 'TraceEventList', apiVersion: 'lab.kiada.dev/v1', metadata: { resourceVersion: String(recorder.resourceVersion) } });
    expect((await call('/apis/lab.kiada.dev/v1/traces?fieldSelector=pod%3Dkiada', ALICE)).status).toBe(400);
  });

  it("takes a client's report of its own side, checked field by field", async () => {
    const good = { trace: 'bbbb2222', method: 'port-forward', namespace: 'default', pod: 'kiada', hop: 'local listener', ok: true, detail: 'accepted' };
    const r = await call('/apis/lab.kiada.dev/v1/traces', ALICE, { method: 'POST', body: JSON.stringify(good) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'TraceEvent', session: 'client-bbbb2222', source: 'client', ...good });
    for (const [bad, message] of [
      [{ ...good, trace: 'NOT AN ID' }, 'TraceEvent is invalid: trace: must be 4 to 32 characters a-z, 0-9'],
      [{ ...good, method: 'ssh' }, 'TraceEvent is invalid: method: must be one of node, pod, port-forward, exec'],
      [{ ...good, ok: 'yes' }, 'TraceEvent is invalid: ok: must be a boolean'],
      [{ ...good, detail: 'x'.repeat(3000) }, 'TraceEvent is invalid: detail: must be a string of at most 2048 characters'],
    ] as const) {
      const res = await call('/apis/lab.kiada.dev/v1/traces', ALICE, { method: 'POST', body: JSON.stringify(bad) });
      expect([res.status, res.body.message]).toEqual([422, message]);
    }
    // Bob does not see Alice's report.
    expect((await call('/apis/lab.kiada.dev/v1/traces?fieldSelector=trace%3Dbbbb2222', BOB)).body.items).toEqual([]);
  });

  it('watches: what is kept first, then each event as it happens', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${base}/apis/lab.kiada.dev/v1/traces?watch=true&resourceVersion=${recorder.resourceVersion}`, { headers: { authorization: ALICE }, signal: ctl.signal });
    const reader = res.body!.getReader();
    const s = recorder.open('port-forward', ref, { owner: idOf(ALICE), trace: 'cccc3333' });
    s.record('tunnel', true, '101 Switching Protocols');
    const chunk = new TextDecoder().decode((await reader.read()).value);
    const line = JSON.parse(chunk.split('\n')[0]);
    expect(line).toMatchObject({ type: 'ADDED', object: { hop: 'tunnel', trace: 'cccc3333', metadata: { resourceVersion: String(recorder.resourceVersion) } } });
    ctl.abort();
  });
});
