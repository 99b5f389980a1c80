// The SPDY/3 server session, fed the bytes the real kubectl (1.32, KUBECTL_PORT_FORWARD_WEBSOCKETS=false)
// sent for two port-forwarded connections: its header blocks decompress with the SPDY/3 dictionary in one zlib
// context per direction, and the session answers with the SYN_REPLY bytes that kubectl accepted.
import { describe, it, expect, vi } from 'vitest';
import fs from 'node:fs';
import { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from '../../src/stream/spdy/session.ts';
import { parseFrames, controlFrame, dataFrame, u32, TYPE, FLAG_FIN, RST, type Frame } from '../../src/stream/spdy/frames.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('fixtures/spdy-portforward.json', import.meta.url), 'utf8'));
const fromKubectl = Buffer.from(fixture.client, 'base64');
const acceptedByKubectl = Buffer.from(fixture.server, 'base64');

/** A transport whose input the test pushes and whose output it reads. */
function transport() {
  const out: Buffer[] = [];
  const io = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  return { io, written: () => parseFrames(Buffer.concat(out)).frames, input: (b: Buffer) => io.push(b) };
}

/** kubectl's n-th frame, as bytes. */
const kubectlFrame = (n: number) => {
  const f = parseFrames(fromKubectl).frames[n];
  return f.kind === 'control' ? controlFrame(f.type, f.flags, f.payload) : dataFrame(f.streamId, f.data, !!(f.flags & FLAG_FIN));
};
const controls = (frames: Frame[], type: number) => frames.filter((f): f is Extract<Frame, { kind: 'control' }> => f.kind === 'control' && f.type === type);

describe('SPDY/3 session', () => {
  it('decodes kubectl\'s header blocks (one inflate context across the session) and gives each stream\'s bytes', async () => {
    const t = transport();
    const streams: { id: number; headers: Record<string, string>; data: string; ended: boolean }[] = [];
    new SpdySession(t.io, (s: SpdyStream) => {
      const got = { id: s.id, headers: s.headers, data: '', ended: false };
      streams.push(got);
      s.on('data', (d) => (got.data += d));
      s.on('end', () => (got.ended = true));
    });
    // In arbitrary pieces, as TCP may cut them.
    for (let off = 0; off < fromKubectl.length; off += 7) t.input(fromKubectl.subarray(off, off + 7));
    await vi.waitFor(() => expect(streams.filter((s) => s.ended)).toHaveLength(4));
    expect(streams).toEqual([
      { id: 1, headers: { streamtype: 'error', port: '9000', requestid: '0' }, data: '', ended: true },
      { id: 3, headers: { streamtype: 'data', port: '9000', requestid: '0' }, data: 'hello kiada\n', ended: true },
      { id: 5, headers: { streamtype: 'error', port: '9000', requestid: '1' }, data: '', ended: true },
      { id: 7, headers: { streamtype: 'data', port: '9000', requestid: '1' }, data: 'second connection\n', ended: true },
    ]);
  });

  it('answers each SYN_STREAM with the SYN_REPLY bytes kubectl accepted (one deflate context across the session)', async () => {
    const t = transport();
    new SpdySession(t.io, (s) => s.resume());
    t.input(fromKubectl);
    await vi.waitFor(() => expect(controls(t.written(), TYPE.SYN_REPLY)).toHaveLength(4));
    const expected = controls(parseFrames(acceptedByKubectl).frames, TYPE.SYN_REPLY);
    expect(controls(t.written(), TYPE.SYN_REPLY)).toEqual(expected);
    // The first reply starts the zlib stream (header, DICTID of the SPDY/3 dictionary); the later ones continue it.
    expect(expected[0].payload.subarray(4, 10).toString('hex')).toBe('78bbe3c6a7c2');
    expect(expected[1].payload.subarray(4).toString('hex')).toBe('020100000000ffff');
  });

  it('cannot read a later header block without the earlier ones: the context spans the session', async () => {
    const frames = parseFrames(fromKubectl).frames;
    const second = frames.find((f) => f.kind === 'control' && f.type === TYPE.SYN_STREAM && f.payload.readUInt32BE(0) === 3) as Extract<Frame, { kind: 'control' }>;
    const t = transport();
    const onStream = vi.fn();
    const session = new SpdySession(t.io, onStream);
    t.input(controlFrame(TYPE.SYN_STREAM, second.flags, second.payload));
    await vi.waitFor(() => expect(session.closed).toBe(true));
    expect(onStream).not.toHaveBeenCalled();
  });

  it('sends a stream\'s bytes as DATA frames of at most 64 KiB, and its end as an empty DATA with FIN', async () => {
    const t = transport();
    const opened = new Promise<SpdyStream>((resolve) => new SpdySession(t.io, resolve));
    t.input(kubectlFrame(0));
    const s = await opened;
    s.end(Buffer.alloc(100_000, 1));
    await vi.waitFor(() => expect(t.written().filter((f) => f.kind === 'data')).toHaveLength(3));
    const data = t.written().filter((f): f is Extract<Frame, { kind: 'data' }> => f.kind === 'data');
    expect(data.map((f) => [f.streamId, f.data.length, f.flags])).toEqual([[1, 65536, 0], [1, 100_000 - 65536, 0], [1, 0, FLAG_FIN]]);
  });

  it('answers PING with the same id, refuses DATA on an unknown stream with RST_STREAM INVALID_STREAM', async () => {
    const t = transport();
    new SpdySession(t.io, () => {});
    t.input(Buffer.concat([controlFrame(TYPE.PING, 0, u32(7)), dataFrame(99, Buffer.from('x'))]));
    await vi.waitFor(() => expect(t.written()).toHaveLength(2));
    expect(t.written()).toEqual([
      { kind: 'control', type: TYPE.PING, flags: 0, payload: u32(7) },
      { kind: 'control', type: TYPE.RST_STREAM, flags: 0, payload: u32(99, RST.INVALID_STREAM) },
    ]);
  });

  it('ignores SETTINGS and WINDOW_UPDATE (kubectl\'s spdystream does no flow control) and sends neither', async () => {
    const t = transport();
    const session = new SpdySession(t.io, () => {});
    t.input(Buffer.concat([controlFrame(TYPE.SETTINGS, 0, u32(0)), controlFrame(TYPE.WINDOW_UPDATE, 0, u32(1, 1000)), controlFrame(TYPE.PING, 0, u32(1))]));
    await vi.waitFor(() => expect(t.written()).toHaveLength(1));
    expect(controls(t.written(), TYPE.PING)).toHaveLength(1);
    expect(session.closed).toBe(false);
  });

  it('a client RST_STREAM destroys that stream and no other', async () => {
    const t = transport();
    const streams: SpdyStream[] = [];
    new SpdySession(t.io, (s) => streams.push(s));
    t.input(Buffer.concat([kubectlFrame(0), kubectlFrame(2)]));
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    t.input(controlFrame(TYPE.RST_STREAM, 0, u32(1, RST.CANCEL)));
    await vi.waitFor(() => expect(streams[0].destroyed).toBe(true));
    expect(streams[1].destroyed).toBe(false);
  });

  it('after a client GOAWAY, open streams finish (their last bytes are not lost), new ones are refused, then the session closes', async () => {
    const t = transport();
    const streams: SpdyStream[] = [];
    const session = new SpdySession(t.io, (s) => streams.push(s));
    const closed = vi.fn();
    session.onClose(closed);
    // Streams 1 and 3 open, 3 sends its line and FIN, and GOAWAY follows at once.
    t.input(Buffer.concat([0, 1, 2, 3, 4].map(kubectlFrame)));
    t.input(controlFrame(TYPE.GOAWAY, 0, u32(3, 0)));
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    const [error, data] = streams;
    let got = '';
    data.on('data', (d) => (got += d));
    await new Promise((r) => data.once('end', r));
    expect(got).toBe('hello kiada\n');
    // A stream opened after GOAWAY is refused (its header block still read, to keep the context in step).
    t.input(kubectlFrame(5));
    await vi.waitFor(() => expect(controls(t.written(), TYPE.RST_STREAM)).toHaveLength(1));
    expect(controls(t.written(), TYPE.RST_STREAM)[0].payload).toEqual(u32(5, RST.REFUSED_STREAM));
    error.resume();
    error.end();
    await new Promise((r) => error.once('close', r));
    expect(session.closed).toBe(false);
    data.end('bye');
    await vi.waitFor(() => expect(session.closed).toBe(true));
    expect(closed).toHaveBeenCalledOnce();
    expect(t.io.destroyed).toBe(true);
  });

  it('a GOAWAY with no stream open closes the session at once; so does the end of the transport', async () => {
    const a = transport();
    const first = new SpdySession(a.io, () => {});
    a.input(controlFrame(TYPE.GOAWAY, 0, u32(0, 0)));
    await vi.waitFor(() => expect(first.closed).toBe(true));
    const b = transport();
    const streams: SpdyStream[] = [];
    const second = new SpdySession(b.io, (s) => streams.push(s));
    b.input(kubectlFrame(0));
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    b.io.destroy();
    await vi.waitFor(() => expect(second.closed).toBe(true));
    expect(streams[0].destroyed).toBe(true);
  });

  it('goAway() tells the client with a GOAWAY frame and ends the transport', async () => {
    const t = transport();
    const session = new SpdySession(t.io, () => {});
    session.goAway();
    expect(t.written()).toEqual([{ kind: 'control', type: TYPE.GOAWAY, flags: 0, payload: u32(0, 0) }]);
    expect(t.io.writableEnded).toBe(true);
    session.close();
  });
});
