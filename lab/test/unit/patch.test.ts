// The three patch types in-process: RFC 7386 merge, strategic merge, RFC 6902 (all six operations, atomic), and
// that no key — "__proto__", "constructor", "prototype" — ever reaches a prototype.
import { describe, it, expect, afterEach } from 'vitest';
import { jsonEqual } from '../../src/api/own-json.ts';
import { mergePatch } from '../../src/api/merge-patch.ts';
import { jsonPatch, decodeJsonPatch, JsonPatchError } from '../../src/api/json-patch.ts';
import { ApiError } from '../../src/store/index.ts';

const pod = () => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bb', labels: { app: 'bb' } },
  spec: { containers: [{ name: 'a', image: 'busybox', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'busybox' }] },
});

const detail = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(JsonPatchError);
    expect((e as ApiError).code).toBe(422);
    expect((e as ApiError).toStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422 });
    return (e as JsonPatchError).detail;
  }
  throw new Error('did not throw');
};

describe('JSON patch (RFC 6902)', () => {
  it('add, remove, replace, move, copy and test', () => {
    const out = jsonPatch(pod(), [
      { op: 'add', path: '/metadata/labels/tier', value: 'web' },
      { op: 'add', path: '/spec/containers/0/args', value: ['sleep', '1'] },
      { op: 'add', path: '/spec/containers/0/args/-', value: 'x' },
      { op: 'add', path: '/spec/containers/0/args/0', value: 'first' },
      { op: 'replace', path: '/spec/containers/1/image', value: 'alpine' },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'copy', from: '/spec/containers/0/env', path: '/spec/containers/1/env' },
      { op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/role' },
      { op: 'test', path: '/spec/containers/1/env', value: [{ value: '1', name: 'X' }] },
    ]);
    expect(out.metadata.labels).toEqual({ role: 'web' });
    expect(out.spec.containers[0].args).toEqual(['first', 'sleep', '1', 'x']);
    expect(out.spec.containers[1]).toEqual({ name: 'b', image: 'alpine', env: [{ name: 'X', value: '1' }] });
    // copy copies: changing the copy leaves the source alone
    out.spec.containers[1].env[0].value = '2';
    expect(out.spec.containers[0].env[0].value).toBe('1');
  });

  it('is atomic: a failing operation leaves the document as it was', () => {
    const doc = pod();
    const before = JSON.stringify(doc);
    detail(() => jsonPatch(doc, [{ op: 'replace', path: '/metadata/name', value: 'x' }, { op: 'test', path: '/metadata/name', value: 'bb' }]));
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('fails like the API server: one generic 422 for every operation that does not apply', () => {
    expect(detail(() => jsonPatch(pod(), [{ op: 'replace', path: '/spec/nope', value: 1 }]))).toBe('replace operation does not apply: doc is missing key: /spec/nope');
    expect(detail(() => jsonPatch(pod(), [{ op: 'remove', path: '/spec/nope' }]))).toBe('remove operation does not apply: doc is missing key: /spec/nope');
    expect(detail(() => jsonPatch(pod(), [{ op: 'add', path: '/nope/x', value: 1 }]))).toBe('doc is missing path: "/nope/x"');
    expect(detail(() => jsonPatch(pod(), [{ op: 'add', path: '/spec/containers/5', value: {} }]))).toBe('array index 5 out of bounds in /spec/containers/5');
    expect(detail(() => jsonPatch(pod(), [{ op: 'add', path: '/spec/containers/01', value: {} }]))).toBe('invalid array index "01" in /spec/containers/01');
    expect(detail(() => jsonPatch(pod(), [{ op: 'add', path: 'spec', value: {} }]))).toBe('add: invalid JSON pointer "spec"');
    expect(detail(() => jsonPatch(pod(), [{ op: 'add', path: '/spec/x' }]))).toBe('add operation does not apply: missing value');
    expect(detail(() => jsonPatch(pod(), [{ op: 'test', path: '/metadata/name', value: 'x' }]))).toBe('testing value /metadata/name failed');
    expect(detail(() => jsonPatch(pod(), [{ op: 'move', from: '/spec', path: '/spec/x' }]))).toBe('move operation does not apply: "from" /spec is a prefix of "path" /spec/x');
    expect(detail(() => jsonPatch(pod(), [{ op: 'frobnicate', path: '/spec' }]))).toBe('Unexpected kind: frobnicate');
    expect(detail(() => jsonPatch(pod(), [{ op: 'replace', path: '', value: 5 }]))).toBe('the patched document is not an object');
  });

  it('answers a patch that is no list of operations with 400, and too many operations with 413', () => {
    expect(() => decodeJsonPatch({ op: 'add' })).toThrow('error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
    expect(() => decodeJsonPatch([5])).toThrow('error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp');
    expect(() => decodeJsonPatch([{ op: 'add', path: 5 }])).toThrow('error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string');
    const many = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    expect(() => decodeJsonPatch(many)).toThrow(expect.objectContaining({ code: 413, message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001' }));
  });
});

describe('merge patches (RFC 7386 and strategic)', () => {
  it('merges maps, deletes with null, replaces lists (RFC 7386)', () => {
    const out = mergePatch(pod(), { metadata: { labels: { app: null, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }) as any;
    expect(out.metadata.labels).toEqual({ tier: 'web' });
    expect(out.spec.containers).toEqual([{ name: 'c', image: 'x' }]);
    expect(mergePatch({ a: 1 }, { b: { c: null, d: 1 } })).toEqual({ a: 1, b: { d: 1 } });
    expect(mergePatch({ a: 1 }, 'x')).toBe('x');
  });

  it('merges lists of named things by their key; $patch delete and replace; $deleteFromPrimitiveList', () => {
    const out = mergePatch(pod(), {
      metadata: { finalizers: ['a', 'b'] },
      spec: { containers: [{ name: 'b', image: 'alpine' }, { name: 'a', $patch: 'delete' }, { name: 'c', image: 'x' }], '$setElementOrder/containers': [{ name: 'b' }] },
    }, true) as any;
    expect(out.spec.containers).toEqual([{ name: 'b', image: 'alpine' }, { name: 'c', image: 'x' }]);
    expect(mergePatch(out, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, true)).toMatchObject({ metadata: { finalizers: ['b'] } });
    expect((mergePatch(pod(), { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } }, true) as any).spec.containers).toEqual([{ name: 'z', image: 'z' }]);
    expect((mergePatch(pod(), { metadata: { labels: { $patch: 'replace', x: 'y' } } }, true) as any).metadata.labels).toEqual({ x: 'y' });
    expect((mergePatch(pod(), { metadata: { labels: { $patch: 'delete' } } }, true) as any).metadata.labels).toBeUndefined();
  });
});

describe('no patch reaches a prototype', () => {
  afterEach(() => {
    expect(({} as any).deletionTimestamp).toBeUndefined();
    expect(({} as any).x).toBeUndefined();
    expect((Object.prototype as any).x).toBeUndefined();
  });

  it('JSON patch: /__proto__/… and /constructor/prototype/… do not apply', () => {
    for (const path of ['/__proto__/deletionTimestamp', '/constructor/prototype/x', '/metadata/__proto__/x', '/spec/containers/0/__proto__/x', '/spec/containers/__proto__/x']) {
      expect(detail(() => jsonPatch(pod(), [{ op: 'add', path, value: '2020-01-01T00:00:00Z' }]))).toMatch(/^(doc is missing path|invalid array index "__proto__")/);
      expect(detail(() => jsonPatch(pod(), [{ op: 'replace', path, value: 1 }]))).toMatch(/^(doc is missing|invalid array index)/);
    }
    expect(detail(() => jsonPatch(pod(), [{ op: 'copy', from: '/constructor', path: '/x' }]))).toMatch(/missing key/);
    expect(detail(() => jsonPatch(pod(), [{ op: 'test', path: '/toString', value: null }]))).toMatch(/missing key/);
  });

  it('JSON patch: adding a key named __proto__ makes an own field of that name', () => {
    const out = jsonPatch(pod(), [{ op: 'add', path: '/__proto__', value: { deletionTimestamp: 'x' } }, { op: 'add', path: '/metadata/constructor', value: 1 }]);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.deletionTimestamp).toBeUndefined();
    expect(Object.hasOwn(out.metadata, 'constructor')).toBe(true);
  });

  it('merge and strategic patches: {"__proto__": …} is an own field too', () => {
    for (const strategic of [false, true]) {
      const patch = JSON.parse('{"__proto__": {"x": 1}, "metadata": {"__proto__": {"deletionTimestamp": "2020-01-01T00:00:00Z"}, "constructor": {"prototype": {"x": 1}}}}');
      const out = mergePatch(pod(), patch, strategic) as any;
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(out.metadata)).toBe(Object.prototype);
      expect(out.x).toBeUndefined();
      expect(out.metadata.deletionTimestamp).toBeUndefined();
      expect(Object.hasOwn(out.metadata, '__proto__')).toBe(true);
    }
  });

  it('jsonEqual compares own keys only', () => {
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual({}, JSON.parse('{"__proto__": 1}'))).toBe(false);
  });
});
