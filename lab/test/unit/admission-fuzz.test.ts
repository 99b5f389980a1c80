// The admission path in-process with thousands of mutated manifests and patches: decode, defaults, validation,
// patches, deletes and log options either succeed or throw an ApiError (a Status), never anything else, and nothing
// reaches Object.prototype. The seed is printed; KIADA_FUZZ_SEED=<seed> replays a run.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { loadSchema } from '../../src/api/schema.ts';
import { admitCreate, admitPatch, admitReplace } from '../../src/api/admission.ts';
import { deleteObject } from '../../src/api/delete.ts';
import { logOptions } from '../../src/api/logoptions.ts';
import { finalize } from '../../src/api/namespaces.ts';
import { mergePatch } from '../../src/api/merge-patch.ts';
import { jsonPatch } from '../../src/api/json-patch.ts';
import { ApiError, createStore } from '../../src/store/index.ts';
import { basePods, fuzzSeed, mutate, prng, randomJsonPatch } from '../fuzz-inputs.ts';

const seed = fuzzSeed();
console.log(`admission fuzz seed: ${seed} (KIADA_FUZZ_SEED=${seed} replays it)`);
const r = prng(seed);
const pods = basePods();
const modes = ['Strict', 'Warn', 'Ignore', '', 'strict'];

/** Runs f; a throw must be an ApiError with a 4xx code; a result must serialize. */
function settles(f: () => unknown, what: () => string): unknown {
  try {
    const out = f();
    JSON.stringify(out);
    return out;
  } catch (e) {
    if (!(e instanceof ApiError) || e.code < 400 || e.code >= 500) throw new Error(`${what()}: threw ${e instanceof ApiError ? e.code : ''} ${(e as Error).stack}`);
    expect(typeof e.toStatus().message).toBe('string');
    return undefined;
  }
}

describe('admission fuzz', () => {
  beforeAll(() => loadSchema());
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).deletionTimestamp).toBeUndefined();
  });

  it('creates and replaces: 3000 mutated pods', () => {
    for (let i = 0; i < 3000; i++) {
      const doc = mutate(pods[i % pods.length], r);
      doc.metadata = { ...doc.metadata, name: `fuzz-${i}` };
      const q = new URLSearchParams({ fieldValidation: r.pick(modes) });
      const created = settles(() => admitCreate('pods', 'default', doc, q).obj, () => `create ${JSON.stringify(doc).slice(0, 2000)}`) as Record<string, any> | undefined;
      if (created) {
        created.metadata.uid = 'u';
        const again = mutate(created, r);
        settles(() => admitReplace('pods', created, again, q), () => `replace ${JSON.stringify(again).slice(0, 2000)}`);
      }
    }
  });

  it('patches of all three types: 3000, on valid pods', () => {
    const cur = admitCreate('pods', 'default', { ...pods[0], metadata: { name: 'cur', namespace: 'default' } }, new URLSearchParams()).obj;
    cur.metadata.uid = 'u';
    for (let i = 0; i < 3000; i++) {
      const q = new URLSearchParams({ fieldValidation: r.pick(modes) });
      const type = r.pick(['json', 'merge', 'strategic'] as const);
      const body = type === 'json' ? randomJsonPatch(r) : r.int(5) ? mutate({ spec: cur.spec }, r) : randomJsonPatch(r);
      settles(() => admitPatch('pods', cur, type, body, q), () => `${type} patch ${JSON.stringify(body).slice(0, 2000)}`);
      settles(() => (type === 'json' ? jsonPatch(cur, body) : mergePatch(cur, body, type === 'strategic')), () => `${type} ${JSON.stringify(body).slice(0, 2000)}`);
    }
  });

  it('deletes with any grace period and log options with any values: 2000', () => {
    const store = createStore();
    const values = ['abc', '-1', '0', '1', '1e3', '99999999999999999999', '', ' 5', '+5', '1.5', 'true', 'True', 't', 'maybe'];
    for (let i = 0; i < 1000; i++) {
      const pod = admitCreate('pods', 'default', { ...pods[1], metadata: { name: `p${i}` } }, new URLSearchParams()).obj;
      pod.spec.terminationGracePeriodSeconds = r.pick([0, 1, 30, 1e14, -1e14, 2 ** 62, 9.2e18, 1e300]);
      if (r.int(2)) pod.spec.nodeName = 'kind-worker';
      pod.status = { phase: r.pick(['Pending', 'Running', 'Succeeded']) };
      store.create('pods', pod);
      const q = new URLSearchParams(r.int(2) ? { gracePeriodSeconds: r.pick(values) } : {});
      const body = r.pick([undefined, {}, { gracePeriodSeconds: r.pick([5, -5, 1.5, '5', null, 1e14]) }, [], 'x']);
      const out = settles(() => deleteObject(store, 'pods', 'default', `p${i}`, q, body), () => `delete ${pod.spec.terminationGracePeriodSeconds} ${q} ${JSON.stringify(body)}`) as Record<string, any> | undefined;
      if (out?.metadata?.deletionTimestamp) expect(Number.isNaN(Date.parse(out.metadata.deletionTimestamp))).toBe(false);
      const lq = new URLSearchParams();
      for (const k of ['tailLines', 'limitBytes', 'sinceSeconds', 'follow', 'timestamps', 'previous', 'sinceTime']) if (r.int(3) === 0) lq.set(k, r.pick(values));
      settles(() => logOptions(lq, 'p'), () => `log options ${lq}`);
    }
    for (const p of store.list('pods')) store.create('pods', { ...p, metadata: { ...p.metadata, namespace: 'kube-node-lease', uid: undefined, resourceVersion: undefined } });
    settles(() => deleteObject(store, 'namespaces', undefined, 'kube-node-lease', new URLSearchParams(), undefined), () => 'delete namespace');
    // Terminating while running pods finish; gone with the last of them.
    const left = store.list('pods', 'kube-node-lease');
    expect(store.get('namespaces', undefined, 'kube-node-lease')?.status.phase).toBe(left.length ? 'Terminating' : undefined);
    for (const p of left) store.delete('pods', 'kube-node-lease', p.metadata.name);
    finalize(store, 'kube-node-lease');
    expect(store.get('namespaces', undefined, 'kube-node-lease')).toBeUndefined();
  });
});
