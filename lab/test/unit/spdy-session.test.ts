// The SPDY/3 server session, fed the bytes the real kubectl (1.32, KUBECTL_PORT_FORWARD_WEBSOCKETS=false)
// sent for two port-forwarded connections: its header blocks decompress with the SPDY/3 dictionary in one zlib
// context per direction, and the session answers with the SYN_REPLY bytes that kubectl accepted.
import { describe, it, expect, vi } from 'vitest';
import fs from 'node:fs';
import { Duplex, PassThrough } from 'node:stream';
import { SpdySession, type SpdyStream } from '../../src/stream/spdy/session.ts';
import { servePortForwardSession } from '../../src/stream/spdy-portforward.ts';
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

// The streams of a session share one transport: it pauses while a stream's buffer is over its limit. Each case
// below once stalled every stream of the session for good (seen as a 100 MB port-forward hanging under load):
// the transport waited for a read of the one stream that had paused it, and that read never came. The other
// streams are already being read (a flowing stream asks for more only after it gets some), as in a port-forward.
describe('SPDY/3 session back-pressure: no stream can stall the others', () => {
  const BIG = Buffer.alloc(256 * 1024, 7); // over a stream's buffer limit at once
  /** Streams 1 and 3 open (kubectl's SYN_STREAMs); stream 1 is being read, stream 3 not yet. */
  async function twoStreams() {
    const t = transport();
    const streams = new Map<number, SpdyStream>();
    const session = new SpdySession(t.io, (s) => streams.set(s.id, s));
    t.input(Buffer.concat([kubectlFrame(0), kubectlFrame(2)]));
    await vi.waitFor(() => expect(streams.size).toBe(2));
    const one = streams.get(1)!;
    let got = '';
    one.on('data', (d) => (got += d));
    await settled();
    /** Stream 1 still gets its bytes once more arrive on the transport (bounded: a stall fails in 1 s). */
    const oneStillFlows = async () => {
      t.input(dataFrame(1, Buffer.from('still flowing')));
      await vi.waitFor(() => expect(got).toBe('still flowing'), { timeout: 1000 });
    };
    return { t, session, one, three: streams.get(3)!, oneStillFlows };
  }

  it('a stream reset by the client while over its limit', async () => {
    const { t, three, oneStillFlows } = await twoStreams();
    // Both in one read of the transport: the reset is handled after the pause.
    t.input(Buffer.concat([dataFrame(3, BIG), controlFrame(TYPE.RST_STREAM, 0, u32(3, RST.CANCEL))]));
    await vi.waitFor(() => expect(three.destroyed).toBe(true));
    await oneStillFlows();
  });

  it('a stream destroyed by its reader while over its limit', async () => {
    const { t, three, oneStillFlows } = await twoStreams();
    t.input(dataFrame(3, BIG));
    await vi.waitFor(() => expect(three.readableLength).toBe(BIG.length));
    expect(t.io.isPaused()).toBe(true);
    three.destroy();
    await oneStillFlows();
  });

  it('a stream whose bytes and FIN came together, read to its end', async () => {
    const { t, three, oneStillFlows } = await twoStreams();
    t.input(Buffer.concat([dataFrame(3, BIG), dataFrame(3, Buffer.alloc(0), true)]));
    await vi.waitFor(() => expect(three.readableLength).toBe(BIG.length));
    let n = 0;
    three.on('data', (d) => (n += d.length));
    await new Promise((r) => three.once('end', r));
    expect(n).toBe(BIG.length);
    await oneStillFlows();
  });

  it('DATA after a stream\'s FIN is refused with RST_STREAM STREAM_ALREADY_CLOSED, not pushed (which errored the stream)', async () => {
    const { t, three, oneStillFlows } = await twoStreams();
    const errors: Error[] = [];
    three.on('error', (e) => errors.push(e));
    t.input(Buffer.concat([dataFrame(3, Buffer.alloc(0), true), dataFrame(3, BIG)]));
    await vi.waitFor(() => expect(controls(t.written(), TYPE.RST_STREAM).map((f) => f.payload)).toEqual([u32(3, 9)]));
    expect(errors).toEqual([]);
    await oneStillFlows();
  });

  it('the transport stays paused while any stream is over its limit, and resumes when none is', async () => {
    const { t, one, three } = await twoStreams();
    one.pause();
    t.input(Buffer.concat([dataFrame(1, BIG), dataFrame(3, BIG)]));
    await vi.waitFor(() => expect(one.readableLength + three.readableLength).toBe(2 * BIG.length));
    three.resume();
    await vi.waitFor(() => expect(three.readableLength).toBe(0));
    expect(t.io.isPaused()).toBe(true);
    one.resume();
    await vi.waitFor(() => expect(t.io.isPaused()).toBe(false));
  });
});

/** Lets the session handle what the transport gave it (frames are handled one after the other, asynchronously). */
const settled = () => new Promise((r) => setTimeout(r, 20));

describe('SPDY port-forward: a connection the pod side is done with does not stall the others', () => {
  const BIG = Buffer.alloc(256 * 1024, 7);
  /** kubectl's two connections (streams 1+3, then 5+7); the first pod connection is `first`, the second echoes. */
  function session(first: () => Promise<Duplex>) {
    const t = transport();
    let calls = 0;
    servePortForwardSession(t.io, () => (calls++ === 0 ? first() : Promise.resolve(new PassThrough())));
    const sentOn = (id: number) => Buffer.concat(t.written().flatMap((f) => (f.kind === 'data' && f.streamId === id ? [f.data] : []))).toString();
    return { t, sentOn };
  }
  /** The client sends on, on the first connection; then a second connection opens and its bytes come back. */
  async function secondEchoes(t: ReturnType<typeof transport>, sentOn: (id: number) => string) {
    t.input(dataFrame(3, BIG));
    await settled();
    t.input(Buffer.concat([5, 6].map(kubectlFrame))); // the error stream: SYN_STREAM 5, FIN
    t.input(Buffer.concat([kubectlFrame(7), dataFrame(7, Buffer.from('second connection\n'))]));
    await vi.waitFor(() => expect(sentOn(7)).toBe('second connection\n'), { timeout: 1000 });
  }

  it('the pod connection failed: the first data stream is never piped anywhere', async () => {
    const { t, sentOn } = session(() => Promise.reject(new Error('connection refused')));
    t.input(Buffer.concat([kubectlFrame(0), kubectlFrame(2)]));
    await vi.waitFor(() => expect(sentOn(1)).toBe('connection refused'));
    await secondEchoes(t, sentOn);
  });

  it('the pod closed its side first', async () => {
    // A pod socket that answers "bye" and closes (net.Socket without allowHalfOpen ends both ways).
    const podSide = () => Promise.resolve(new Duplex({ allowHalfOpen: false, read() { this.push('bye'); this.push(null); }, write(_c, _e, cb) { cb(); } }));
    const { t, sentOn } = session(podSide);
    t.input(Buffer.concat([kubectlFrame(0), kubectlFrame(2)]));
    await vi.waitFor(() => expect(sentOn(3)).toBe('bye'));
    await settled();
    await secondEchoes(t, sentOn);
  });
});
