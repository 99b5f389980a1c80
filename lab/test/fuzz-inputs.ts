// Inputs for the fuzz tests: the repo's pod manifests (k8s/*.yaml and the pods of src/testing.ts), mutated the way
// typos and hostile clients mutate them, by a seeded PRNG so that a failure reproduces (KIADA_FUZZ_SEED=<seed>).
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { KIADA_POD, ECHO_POD } from '../src/testing.ts';

type Obj = Record<string, any>;

/** mulberry32: small, fast, good enough to pick mutations. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
export type Rng = ReturnType<typeof prng>;

export function fuzzSeed(): number {
  const env = Number(process.env.KIADA_FUZZ_SEED);
  return Number.isInteger(env) && env > 0 ? env : Math.floor(Math.random() * 2 ** 31);
}

/** Every Pod of k8s/*.yaml and of the lab's test helpers. */
export function basePods(): Obj[] {
  const dir = path.resolve(import.meta.dirname, '..', '..', 'k8s');
  const pods: Obj[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const d of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const o = d.toJS() as Obj;
      if (o?.kind === 'Pod') pods.push(o);
    }
  }
  return [...pods, parse(KIADA_POD), parse(ECHO_POD)];
}

const nested = (depth: number, leaf: unknown = 'x'): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

/** Values of the wrong type, out of range, or made to reach a prototype. */
function badValue(r: Rng): unknown {
  const values: (() => unknown)[] = [
    () => 5, () => -1, () => 0, () => 1e14, () => -1e14, () => 2 ** 31, () => 2 ** 63, () => 1.5, () => 1e300, () => -0.0001,
    () => '5', () => '', () => 'NaN', () => 'Infinity', () => '-1', () => 'x'.repeat(r.pick([64, 300, 70000])), () => 'a\u0000b\u202e\u{1f600}=',
    () => true, () => false, () => null, () => ({}), () => [], () => [null], () => [5, 'x', {}],
    () => nested(r.pick([3, 50, 900, 1200, 3000])),
    () => JSON.parse('{"__proto__": {"deletionTimestamp": "2020-01-01T00:00:00Z", "polluted": 1}}'),
    () => ({ constructor: { prototype: { polluted: 1 } } }),
    () => ({ toString: 5, valueOf: 'x', hasOwnProperty: [] }),
    () => '/nonexistent', () => '../../etc/passwd', () => '$(id)', () => 'status.phase', () => 'metadata.labels[\'x\']',
  ];
  return r.pick(values)();
}

const KEYS = ['__proto__', 'constructor', 'prototype', 'containres', 'imagee', 'Containers', 'spec', 'metadata', 'x'.repeat(300), ''];

/** Every [parent, key] in the object, so a mutation can land anywhere. */
function places(o: unknown, out: [Obj | unknown[], string | number][] = [], depth = 0): [Obj | unknown[], string | number][] {
  if (depth > 12) return out;
  if (Array.isArray(o)) o.forEach((v, i) => (out.push([o, i]), places(v, out, depth + 1)));
  else if (typeof o === 'object' && o !== null) for (const k of Object.keys(o)) out.push([o as Obj, k]), places((o as Obj)[k], out, depth + 1);
  return out;
}

function define(o: Obj | unknown[], k: string | number, v: unknown) {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** One to three mutations of `spec` (metadata stays: kubectl itself must still read name and kind). */
export function mutate(pod: Obj, r: Rng): Obj {
  const out = structuredClone(pod);
  out.spec ??= {};
  for (let n = 1 + r.int(3); n > 0; n--) {
    const all = places(out.spec);
    const [parent, key] = all.length ? r.pick(all) : [out.spec, 'containers'];
    switch (r.int(6)) {
      case 0: case 1:
        define(parent, key, badValue(r));
        break;
      case 2:
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete (parent as Obj)[key];
        break;
      case 3: {
        const target = typeof (parent as Obj)[key] === 'object' && (parent as Obj)[key] !== null && !Array.isArray((parent as Obj)[key]) ? (parent as Obj)[key] : parent;
        if (!Array.isArray(target)) define(target, r.pick(KEYS), badValue(r));
        break;
      }
      case 4:
        define(parent, key, r.int(2) ? [(parent as Obj)[key]] : { value: (parent as Obj)[key] });
        break;
      default:
        if (!Array.isArray(parent)) {
          const v = (parent as Obj)[key];
          delete (parent as Obj)[key];
          define(parent, `${key}`.slice(0, -1) + r.pick(['e', 's', '_', 'S']), v);
        }
    }
  }
  if (r.int(20) === 0) define(out, r.pick(KEYS.slice(0, 3)), badValue(r));
  return out;
}

/** A JSON patch of a few operations, some of them hostile. */
export function randomJsonPatch(r: Rng): Obj[] {
  const paths = ['/spec/containers/0/args', '/spec/containers/-', '/__proto__/polluted', '/constructor/prototype/polluted', '/metadata/labels/a',
    '/spec/containers/0/image', '/metadata/deletionTimestamp', '/spec/terminationGracePeriodSeconds', '/spec/containers/01', '/spec/x~1y', '', '/', '/metadata/__proto__/x'];
  return Array.from({ length: 1 + r.int(4) }, () => {
    const op: Obj = { op: r.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'nope', 5]), path: r.pick(paths) };
    if (r.int(4)) op.value = badValue(r);
    if (r.int(3) === 0) op.from = r.pick(paths);
    return op;
  });
}

/** Mutations that keep every type (so more documents pass validation and reach the kubelet): odd values only. */
export function tweak(pod: Obj, r: Rng): Obj {
  const out = structuredClone(pod);
  for (let n = 1 + r.int(3); n > 0; n--) {
    const all = places(out.spec).filter(([p, k]) => ['number', 'string'].includes(typeof (p as Obj)[k]));
    if (!all.length) break;
    const [parent, key] = r.pick(all);
    const v = (parent as Obj)[key];
    define(parent, key, typeof v === 'number'
      ? r.pick([0, 1, 2, 1e14, 2 ** 31 - 1, 65535, 3600, 9e15])
      : r.pick(['/nonexistent', '', 'x', '$(id)', 'sh', 'status.podIP', 'metadata.labels[\'fuzz\']', 'http', '1', 'Never', 'OnFailure', 'HTTPS', 'kiada-fuzz.invalid/x:1']));
  }
  return out;
}
