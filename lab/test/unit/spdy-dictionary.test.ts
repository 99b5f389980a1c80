// The SPDY/3 header dictionary kept in the lab (spdy/dictionary.ts) is, byte for byte, the one the spec lists.
import { describe, it, expect } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../src/stream/spdy/dictionary.ts';

describe('the SPDY/3 dictionary', () => {
  it('has the bytes of draft-mbelshe-httpbis-spdy-00 §2.6.10.1', () => {
    // Computed from the spec's text: the hex bytes of `SPDY_dictionary_txt` in draft-mbelshe-httpbis-spdy-00.txt
    // (github.com/mbelshe/SPDY-Specification, the version of 2012-02-23), its `\\` comments left out.
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('is what zlib needs to read a header block deflated with it (and only with it)', () => {
    const block = Buffer.concat([Buffer.from('\0\0\0\x01\0\0\0\x0astreamtype\0\0\0\x04data'), randomBytes(8)]);
    const z = zlib.deflateSync(block, { dictionary: SPDY3_DICTIONARY });
    expect(zlib.inflateSync(z, { dictionary: SPDY3_DICTIONARY })).toEqual(block);
    expect(() => zlib.inflateSync(z)).toThrow(/Missing dictionary/);
  });
});
