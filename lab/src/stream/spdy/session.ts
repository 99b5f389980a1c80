// A SPDY/3 server session over any duplex byte stream (a socket, or a WebSocket stream): it accepts the
// client's streams and gives each as a Duplex. moby/spdystream (kubectl's side) does no flow control and
// cannot parse SETTINGS or WINDOW_UPDATE from a peer, so this session sends neither and ignores them.
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { TYPE, FLAG_FIN, RST, parseFrames, controlFrame, dataFrame, u32, encodeHeaders, decodeHeaders, type Frame } from './frames.ts';
import { SPDY3_DICTIONARY as DICTIONARY } from './dictionary.ts';
const MAX_DATA = 64 * 1024;

/** Feeds one zlib context block by block (the context spans the whole session, in each direction). */
class ZContext {
  private z: zlib.Inflate | zlib.Deflate;
  private chunks: Buffer[] = [];
  constructor(z: zlib.Inflate | zlib.Deflate) {
    this.z = z;
    z.on('data', (c: Buffer) => this.chunks.push(c));
    z.on('error', () => {});
  }
  process(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      // A block zlib cannot read (corrupt, or out of step with the context) errors instead of flushing.
      const fail = (err: Error) => reject(new Error(`spdy: header block did not decompress: ${err.message}`));
      this.z.once('error', fail);
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', fail);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        out.length || input.length === 0 ? resolve(out) : reject(new Error('spdy: header block did not decompress'));
      });
    });
  }
}

export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: Record<string, string>;
  private session: SpdySession;
  remoteClosed = false;
  constructor(session: SpdySession, id: number, headers: Record<string, string>) {
    super({ allowHalfOpen: true });
    this.session = session;
    this.id = id;
    this.headers = headers;
    // Read to its end: nothing more will come for it, it no longer holds the transport.
    this.once('end', () => session.release(id));
  }
  _read() {
    this.session.release(this.id);
  }
  _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    for (let off = 0; off < chunk.length; off += MAX_DATA) this.session.send(dataFrame(this.id, chunk.subarray(off, off + MAX_DATA)));
    this.session.afterDrain(cb);
  }
  _final(cb: () => void) {
    this.session.send(dataFrame(this.id, Buffer.alloc(0), true));
    cb();
  }
  _destroy(err: Error | null, cb: (err: Error | null) => void) {
    if (!this.remoteClosed || !this.writableFinished) this.session.reset(this.id, RST.CANCEL);
    this.session.forget(this.id);
    cb(err);
  }
}

export class SpdySession {
  private io: Duplex;
  private inflate = new ZContext(zlib.createInflate({ dictionary: DICTIONARY }));
  private deflate = new ZContext(zlib.createDeflate({ dictionary: DICTIONARY }));
  private streams = new Map<number, SpdyStream>();
  private buf: Buffer = Buffer.alloc(0);
  private chain: Promise<void> = Promise.resolve();
  private onStream: (s: SpdyStream) => void;
  private closeListeners: (() => void)[] = [];
  /** The client said GOAWAY: no new streams; the session ends once the open ones are done. */
  private goingAway = false;
  closed = false;

  constructor(io: Duplex, onStream: (s: SpdyStream) => void, head?: Buffer) {
    this.io = io;
    this.onStream = onStream;
    io.on('data', (d: Buffer) => this.input(d));
    io.on('end', () => this.close());
    io.on('close', () => this.close());
    io.on('error', () => this.close());
    if (head?.length) this.input(head);
  }

  send(frame: Buffer) {
    if (!this.closed && !this.io.writableEnded) this.io.write(frame);
  }

  /** Calls back once the transport can take more (back-pressure from the client to the pod's socket). */
  afterDrain(cb: () => void) {
    if (this.closed || !this.io.writableNeedDrain) return cb();
    this.io.once('drain', cb);
  }

  /**
   * Back-pressure from the streams to the transport, which they share: it is paused while any stream's buffer
   * is over its limit, and resumes only when none is. A stream leaves that set when it is read, ends, or goes
   * (destroyed, reset, forgotten) — were only its own read to resume the transport, a stream never read again
   * would stall every other stream of the session.
   */
  private full = new Set<number>();

  private hold(id: number) {
    this.full.add(id);
    this.io.pause();
  }

  release(id: number) {
    if (!this.full.delete(id) || this.full.size > 0 || this.closed) return;
    if (this.io.isPaused()) this.io.resume();
  }

  reset(id: number, status: number) {
    this.send(controlFrame(TYPE.RST_STREAM, 0, u32(id, status)));
  }

  forget(id: number) {
    this.streams.delete(id);
    this.release(id);
    if (this.goingAway && this.streams.size === 0) this.close();
  }

  private input(d: Buffer) {
    const { frames, rest } = parseFrames(this.buf.length ? Buffer.concat([this.buf, d]) : d);
    this.buf = rest;
    for (const f of frames) this.chain = this.chain.then(() => this.handle(f)).catch(() => this.close());
  }

  private async handle(f: Frame) {
    if (this.closed) return;
    if (f.kind === 'data') {
      const s = this.streams.get(f.streamId);
      if (!s) return this.reset(f.streamId, RST.INVALID_STREAM);
      // DATA after the client's FIN (or on a stream on its way out) has nowhere to go: dropped, as the spec
      // has it with a RST_STREAM (STREAM_ALREADY_CLOSED); pushed, it would error the stream.
      if (s.remoteClosed || s.destroyed) return this.reset(f.streamId, RST.STREAM_ALREADY_CLOSED);
      if (f.data.length && !s.push(f.data)) this.hold(s.id);
      if (f.flags & FLAG_FIN) {
        s.remoteClosed = true;
        s.push(null);
      }
      return;
    }
    const p = f.payload;
    switch (f.type) {
      case TYPE.SYN_STREAM: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaders(await this.inflate.process(p.subarray(10)));
        if (this.goingAway) return this.reset(id, RST.REFUSED_STREAM);
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        // Reply first: spdystream drops data on a stream it has no reply for.
        this.send(controlFrame(TYPE.SYN_REPLY, 0, Buffer.concat([u32(id), await this.deflate.process(encodeHeaders({}))])));
        if (f.flags & FLAG_FIN) {
          s.remoteClosed = true;
          s.push(null);
        }
        this.onStream(s);
        return;
      }
      case TYPE.HEADERS:
      case TYPE.SYN_REPLY:
        await this.inflate.process(p.subarray(4)); // keep the compression context in step
        return;
      case TYPE.RST_STREAM: {
        const s = this.streams.get(p.readUInt32BE(0) & 0x7fffffff);
        s?.destroy();
        return;
      }
      case TYPE.PING:
        this.send(controlFrame(TYPE.PING, 0, p.subarray(0, 4)));
        return;
      case TYPE.GOAWAY:
        // As the spec says, streams already open go on (their last bytes and FIN may be just before it).
        this.goingAway = true;
        if (this.streams.size === 0) this.close();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE: no flow control on either side
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.io.destroy();
    for (const l of this.closeListeners.splice(0)) l();
  }

  onClose(listener: () => void) {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the session from our side; a client that does not hang up in turn is cut after 10 s. */
  goAway() {
    this.send(controlFrame(TYPE.GOAWAY, 0, u32(0, 0)));
    this.io.end();
    setTimeout(() => this.close(), 10_000).unref();
  }
}
