// SPDY/3 framing (the protocol kubectl port-forward speaks through moby/spdystream): frame headers,
// SYN_STREAM / SYN_REPLY / RST_STREAM / PING / GOAWAY / DATA, and the header-block layout.
// Header blocks are zlib-compressed with the SPDY/3 dictionary (dictionary.ts); see session.ts.

const VERSION = 3;
export const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
export const FLAG_FIN = 0x01;
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, STREAM_ALREADY_CLOSED: 9 } as const;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

/** Splits complete frames off the front of `buf`; returns them and what is left. */
export function parseFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const length = buf.readUIntBE(off + 5, 3);
    if (buf.length - off < 8 + length) break;
    const flags = buf[off + 4];
    const body = buf.subarray(off + 8, off + 8 + length);
    if (buf[off] & 0x80) frames.push({ kind: 'control', type: buf.readUInt16BE(off + 2), flags, payload: body });
    else frames.push({ kind: 'data', streamId: buf.readUInt32BE(off) & 0x7fffffff, flags, data: body });
    off += 8 + length;
  }
  return { frames, rest: buf.subarray(off) };
}

function header(control: boolean, typeOrStream: number, flags: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  if (control) {
    h.writeUInt16BE(0x8000 | VERSION, 0);
    h.writeUInt16BE(typeOrStream, 2);
  } else h.writeUInt32BE(typeOrStream & 0x7fffffff, 0);
  h[4] = flags;
  h.writeUIntBE(length, 5, 3);
  return h;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header(true, type, flags, payload.length), payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  return Buffer.concat([header(false, streamId, fin ? FLAG_FIN : 0, data.length), data]);
}

export function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** The uncompressed header block: count, then length-prefixed names and values. */
export function encodeHeaders(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [k, v] of Object.entries(headers)) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export function decodeHeaders(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 4;
  const n = block.readUInt32BE(0);
  for (let i = 0; i < n; i++) {
    const nl = block.readUInt32BE(off);
    const name = block.subarray(off + 4, off + 4 + nl).toString();
    off += 4 + nl;
    const vl = block.readUInt32BE(off);
    // Several values are NUL-separated; the first is all port-forward needs.
    out[name] = block.subarray(off + 4, off + 4 + vl).toString().split('\0')[0];
    off += 4 + vl;
  }
  return out;
}
