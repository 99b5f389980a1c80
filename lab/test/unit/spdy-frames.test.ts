// SPDY/3 framing (draft-mbelshe-httpbis-spdy-00 §2.2): frame headers, the uncompressed header-block layout,
// and a parse of the frames the real kubectl sent for a port-forward (fixtures/spdy-portforward.json).
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { parseFrames, controlFrame, dataFrame, encodeHeaders, decodeHeaders, u32, TYPE, FLAG_FIN, RST } from '../../src/stream/spdy/frames.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('fixtures/spdy-portforward.json', import.meta.url), 'utf8'));
const hex = (b: Buffer) => b.toString('hex');

describe('SPDY/3 frames', () => {
  it('a control frame: C bit, version 3, type, flags, 24-bit length, payload', () => {
    expect(hex(controlFrame(TYPE.PING, 0, u32(1)))).toBe('80030006' + '00' + '000004' + '00000001');
    expect(hex(controlFrame(TYPE.RST_STREAM, 0, u32(5, RST.CANCEL)))).toBe('80030003' + '00' + '000008' + '00000005' + '00000005');
    expect(hex(controlFrame(TYPE.GOAWAY, 0, u32(0, 0)))).toBe('80030007' + '00' + '000008' + '0000000000000000');
  });

  it('a data frame: 31-bit stream id, FIN flag, 24-bit length', () => {
    expect(hex(dataFrame(3, Buffer.from('hi')))).toBe('00000003' + '00' + '000002' + '6869');
    expect(hex(dataFrame(3, Buffer.alloc(0), true))).toBe('00000003' + '01' + '000000');
    expect(hex(dataFrame(0xffffffff, Buffer.alloc(0)))).toBe('7fffffff' + '00' + '000000');
    expect(dataFrame(1, Buffer.alloc(0x123456)).subarray(5, 8)).toEqual(Buffer.from([0x12, 0x34, 0x56]));
  });

  it('parses what it writes, frame by frame, and keeps an incomplete frame for later', () => {
    const bytes = Buffer.concat([dataFrame(7, Buffer.from('abc'), true), controlFrame(TYPE.PING, 0, u32(9)), dataFrame(1, Buffer.from('xyz'))]);
    const { frames, rest } = parseFrames(bytes);
    expect(frames).toEqual([
      { kind: 'data', streamId: 7, flags: FLAG_FIN, data: Buffer.from('abc') },
      { kind: 'control', type: TYPE.PING, flags: 0, payload: u32(9) },
      { kind: 'data', streamId: 1, flags: 0, data: Buffer.from('xyz') },
    ]);
    expect(rest.length).toBe(0);
    for (const cut of [1, 7, 8, 10, bytes.length - 1]) {
      const first = parseFrames(bytes.subarray(0, cut));
      const second = parseFrames(Buffer.concat([first.rest, bytes.subarray(cut)]));
      expect([...first.frames, ...second.frames]).toEqual(frames);
    }
  });

  it('a header block: count, then length-prefixed lower-case names and values', () => {
    const block = encodeHeaders({ StreamType: 'data', port: '8080' });
    expect(hex(block)).toBe('00000002' + '0000000a' + hex(Buffer.from('streamtype')) + '00000004' + hex(Buffer.from('data')) + '00000004' + hex(Buffer.from('port')) + '00000004' + hex(Buffer.from('8080')));
    expect(decodeHeaders(block)).toEqual({ streamtype: 'data', port: '8080' });
    expect(hex(encodeHeaders({}))).toBe('00000000');
    expect(decodeHeaders(encodeHeaders({}))).toEqual({});
  });

  it('a header with several NUL-separated values reads as its first', () => {
    const block = Buffer.concat([u32(1, 4), Buffer.from('port'), u32(9), Buffer.from('8080\u00009090')]);
    expect(decodeHeaders(block)).toEqual({ port: '8080' });
  });

  it('splits kubectl port-forward\'s bytes into its frames: per connection an error and a data stream, then GOAWAY', () => {
    const { frames, rest } = parseFrames(Buffer.from(fixture.client, 'base64'));
    expect(rest.length).toBe(0);
    const summary = frames.map((f) => (f.kind === 'data'
      ? `DATA ${f.streamId}${f.flags & FLAG_FIN ? ' FIN' : ''} ${JSON.stringify(f.data.toString())}`
      : `${Object.entries(TYPE).find(([, t]) => t === f.type)![0]} ${f.type === TYPE.SYN_STREAM ? f.payload.readUInt32BE(0) : ''}`.trim()));
    expect(summary).toEqual([
      'SYN_STREAM 1', 'DATA 1 FIN ""',
      'SYN_STREAM 3', 'DATA 3 "hello kiada\\n"', 'DATA 3 FIN ""',
      'SYN_STREAM 5', 'DATA 5 FIN ""',
      'SYN_STREAM 7', 'DATA 7 "second connection\\n"', 'DATA 7 FIN ""',
      'GOAWAY',
    ]);
    // SYN_STREAM: stream id, associated id 0, priority 0, then the header block, zlib with the SPDY/3
    // dictionary: its DICTID (Adler-32 of the dictionary) is e3c6a7c2, as every SPDY/3 peer sends it.
    const syn = frames[0] as { payload: Buffer };
    expect(hex(syn.payload.subarray(0, 10))).toBe('00000001' + '00000000' + '0000');
    expect(hex(syn.payload.subarray(10, 16))).toBe('78f9' + 'e3c6a7c2');
  });
});
