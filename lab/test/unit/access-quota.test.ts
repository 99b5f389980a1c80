// LimitRange and ResourceQuota for pods, as the admission plugins and the quota controller keep them: defaults
// filled in and annotated, limits enforced, quotas counted from the store and refused with kube-apiserver's words.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApi, eventually, type TestApi } from './api-client.ts';
import { toTable } from '../../src/api/tables.ts';

let t: TestApi;
const pod = (name: string, resources?: object) => ({ metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox', ...(resources ? { resources } : {}) }] } });
const create = (ns: string, body: object) => t.request('POST', `/api/v1/namespaces/${ns}/pods`, { body });
const forbidden = (name: string, why: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pods "${name}" is forbidden: ${why}`, reason: 'Forbidden', details: { name, kind: 'pods' }, code: 403 });

beforeAll(async () => {
  t = await startTestApi();
  for (const ns of ['lim', 'quo', 'must']) expect((await t.request('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } })).status).toBe(201);
}, 30_000);
afterAll(async () => {
  await t?.close();
});

describe('LimitRange', () => {
  beforeAll(async () => {
    const lr = { metadata: { name: 'student' }, spec: { limits: [{ type: 'Container', default: { cpu: '200m', memory: '128Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' }, max: { cpu: '1', memory: '512Mi' } }] } };
    expect((await t.request('POST', '/api/v1/namespaces/lim/limitranges', { body: lr })).status).toBe(201);
  });

  it('fills in what a container leaves out, and says so in the pod\'s annotation', async () => {
    const r = await create('lim', pod('plain'));
    expect(r.status).toBe(201);
    expect(r.json.spec.containers[0].resources).toEqual({ limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '50m', memory: '64Mi' } });
    expect(r.json.metadata.annotations).toEqual({ 'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu, memory request for container main; cpu, memory limit for container main' });
    // Limits given: requests default to them (the API's defaulting, before admission); only memory is filled in.
    const half = await create('lim', pod('half', { limits: { cpu: '300m' } }));
    expect(half.json.spec.containers[0].resources).toEqual({ limits: { cpu: '300m', memory: '128Mi' }, requests: { cpu: '300m', memory: '64Mi' } });
    expect(half.json.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: memory request for container main; memory limit for container main');
  });

  it('takes resource names from the request as names: "__proto__" is counted like any other, never a prototype', async () => {
    const r = await create('lim', pod('proto', { limits: { cpu: '100m', ['__proto__' as string]: '9223372036854776000' } }));
    expect([r.status, Object.keys(r.json.spec.containers[0].resources.limits)]).toEqual([201, ['cpu', '__proto__', 'memory']]);
  });

  it('refuses a container over the max, in the plugin\'s words', async () => {
    expect((await create('lim', pod('big', { limits: { cpu: '2' } }))).json).toEqual(forbidden('big', 'maximum cpu usage per Container is 1, but limit is 2'));
    expect((await create('lim', pod('bigger', { limits: { cpu: '2', memory: '1Gi' } }))).json.message).toBe(
      'pods "bigger" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 512Mi, but limit is 1Gi]');
  });
});

describe('ResourceQuota', () => {
  it('counts pods and refuses the one too many, in the plugin\'s words; ended pods do not count', async () => {
    expect((await t.request('POST', '/api/v1/namespaces/quo/resourcequotas', { body: { metadata: { name: 'q' }, spec: { hard: { pods: '2' } } } })).status).toBe(201);
    expect((await create('quo', pod('p1'))).status).toBe(201);
    expect((await create('quo', pod('p2'))).status).toBe(201);
    expect((await create('quo', pod('p3'))).json).toEqual(forbidden('p3', 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'));
    t.store.mutate('pods', 'quo', 'p1', (p) => (p.status = { phase: 'Succeeded' }));
    expect((await create('quo', pod('p3'))).status).toBe(201);
  });

  it('the controller keeps status.hard and status.used; kubectl get quota prints them', async () => {
    const q = await eventually(async () => {
      const r = (await t.request('GET', '/api/v1/namespaces/quo/resourcequotas/q')).json;
      return r.status?.used?.pods === '2' && r;
    }, 'the quota status');
    expect(q.status).toEqual({ hard: { pods: '2' }, used: { pods: '2' } });
    expect(toTable('resourcequotas', [q], '1').rows[0].cells.filter((_: unknown, i: number) => i !== 1)).toEqual(['q', 'pods: 2/2', '']);
  });

  it('a quota on cpu or memory wants every container to state it', async () => {
    const hard = { 'requests.cpu': '1', 'limits.memory': '1Gi', pods: '5' };
    expect((await t.request('POST', '/api/v1/namespaces/must/resourcequotas', { body: { metadata: { name: 'compute' }, spec: { hard } } })).status).toBe(201);
    expect((await create('must', pod('bare'))).json).toEqual(forbidden('bare', 'failed quota: compute: must specify limits.memory for: main; requests.cpu for: main'));
    const ok = await create('must', pod('sized', { requests: { cpu: '600m' }, limits: { memory: '512Mi' } }));
    expect(ok.status).toBe(201);
    expect((await create('must', pod('more', { requests: { cpu: '600m' }, limits: { memory: '256Mi' } }))).json).toEqual(
      forbidden('more', 'exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1'));
    const q = await eventually(async () => {
      const r = (await t.request('GET', '/api/v1/namespaces/must/resourcequotas/compute')).json;
      return r.status?.used?.pods === '1' && r;
    });
    expect(q.status.used).toEqual({ 'requests.cpu': '600m', 'limits.memory': '512Mi', pods: '1' });
    expect(toTable('resourcequotas', [q], '1').rows[0].cells.slice(2)).toEqual(['pods: 1/5, requests.cpu: 600m/1', 'limits.memory: 512Mi/1Gi']);
  });
});
