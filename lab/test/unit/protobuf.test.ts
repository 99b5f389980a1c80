// The protobuf bodies kubectl sends for objects it builds itself: fixtures/create-namespace.pb is the body of
// the real `kubectl create namespace team-a` (see fixtures/capture.ts).
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { isProtobuf, decodeProtobuf } from '../../src/api/protobuf.ts';

const body = fs.readFileSync(new URL('fixtures/create-namespace.pb', import.meta.url));

// A minimal protobuf writer for hand-made bodies: varints and length-delimited fields.
const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))]);
const field = (n: number, value: Buffer | string) => {
  const b = Buffer.from(value);
  return Buffer.from([...varint((n << 3) | 2), ...varint(b.length), ...b]);
};
const msg = (...parts: Buffer[]) => Buffer.concat(parts);
const unknown = (apiVersion: string, kind: string, object: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0'), field(1, msg(field(1, apiVersion), field(2, kind))), field(2, object)]);

describe('protobuf request bodies', () => {
  it('recognizes the "k8s\\0" envelope', () => {
    expect(isProtobuf(body)).toBe(true);
    expect(isProtobuf(Buffer.from('{"kind":"Namespace"}'))).toBe(false);
    expect(isProtobuf(Buffer.from('k8s'))).toBe(false);
  });

  it('decodes kubectl create namespace: kind, apiVersion and the name; the unset fields Go writes as "" are absent', () => {
    expect(body.subarray(0, 4).toString('hex')).toBe('6b387300');
    expect(decodeProtobuf(body)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  });

  it('reads generateName, namespace, labels and annotations (map entries: key 1, value 2)', () => {
    const meta = msg(
      field(2, 'web-'), field(3, 'team-a'),
      field(11, msg(field(1, 'app'), field(2, 'web'))), field(11, msg(field(1, 'tier'), field(2, ''))),
      field(12, msg(field(1, 'note'), field(2, 'x'.repeat(200)))),
    );
    // Other wire types in the object (a varint generation, a fixed64, a fixed32) are skipped.
    const object = msg(field(1, meta), Buffer.from([0x18, 0x96, 0x01, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 0x2d, 1, 2, 3, 4]));
    expect(decodeProtobuf(unknown('v1', 'ConfigMap', object))).toEqual({
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { generateName: 'web-', namespace: 'team-a', labels: { app: 'web', tier: '' }, annotations: { note: 'x'.repeat(200) } },
    });
  });

  it('fails on a truncated body or an unknown wire type, for the server to answer 400', () => {
    expect(() => decodeProtobuf(Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, 0x85])]))).toThrow('truncated varint');
    expect(() => decodeProtobuf(Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0b])]))).toThrow('unsupported wire type 3');
  });
});
