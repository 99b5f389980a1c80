// kubectl 1.32's port-forward transport: ONE WebSocket to pods/NAME/portforward (subprotocol
// SPDY/3.1+portforward.k8s.io, Kubernetes ≥ 1.31 and the lab) carrying SPDY/3 frames, each local connection a
// pair of streams on it (an "error" stream and a "data" stream). client-node's PortForward opens a WebSocket —
// a TLS handshake and a socket on the API server — per local connection instead; here every local connection
// shares one, and the frames written while the event loop handles one batch of reads go out as one WebSocket
// message: one TLS record and one write() instead of one per frame (100 keep-alive clients: ~0.8× kubectl's
// req/s before, bench/README.md).
import type net from 'node:net';
import WebSocket from 'ws';
import type { KubeConfig } from '@kubernetes/client-node';
import { TYPE, FLAG_FIN, RST, parseFrames, controlFrame, u32, encodeHeaders } from '@kiada/lab/spdy-frames.ts';

export const SPDY_OVER_WEBSOCKET = 'SPDY/3.1+portforward.k8s.io';

/** The handshake was answered with something else than a 101: the server cannot tunnel SPDY (or refused). */
export class TunnelRefused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * A SPDY/3 header block as zlib "stored" (uncompressed) blocks. SPDY compresses every block of a direction in one
 * zlib stream (with a dictionary, optional for the reader as long as the writer never refers to it): stored
 * blocks are valid data in that stream, each byte-aligned, so each header block is complete and in order the
 * moment it is made, with no asynchronous flush of a deflate context to wait for. Port-forward's blocks are
 * three short headers.
 */
export class StoredZlib {
  private started = false;
  block(data: Buffer): Buffer {
    if (data.length > 0xffff) throw new Error('spdy: header block too long');
    const head = Buffer.from([0x00, data.length & 0xff, data.length >> 8, ~data.length & 0xff, (~data.length >> 8) & 0xff]);
    // The zlib header once, at the start of the stream: deflate, 32 KiB window, no preset dictionary.
    const parts = this.started ? [head, data] : [Buffer.from([0x78, 0x01]), head, data];
    this.started = true;
    return Buffer.concat(parts);
  }
}

function dataHeader(streamId: number, flags: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE((((flags & 0xff) << 24) | length) >>> 0, 4);
  return h;
}

interface Conn {
  socket: net.Socket;
  errorId: number;
  dataId: number;
  errorText: string;
  /** Our FIN went out (the local side ended); the server's FIN came on the data stream. */
  localDone: boolean;
  remoteDone: boolean;
  onError: (message: string) => void;
}

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** A batch larger than this goes out at once rather than at the end of the event loop's turn. */
const BATCH_BYTES = 256 * 1024;

export class SpdyTunnel {
  private ws: WebSocket;
  private headers = new StoredZlib();
  private nextStreamId = 1;
  private nextRequestId = 0;
  private conns = new Map<number, Conn>();
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private pending: Buffer = Buffer.alloc(0);
  /** Local sockets paused because the WebSocket has too much queued; sockets whose writes are waiting to drain. */
  private pausedLocal = new Set<net.Socket>();
  private fullLocal = new Set<net.Socket>();
  private closing = false;
  /** Resolves when the WebSocket is gone: `lost` true if we did not close it (the server or the network did). */
  readonly closed: Promise<{ lost: boolean }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d: Buffer) => this.input(d));
    // A WebSocket ping now and then: a tunnel idle between requests is not dropped by a proxy in the way.
    const keepAlive = setInterval(() => ws.ping(), 30_000).unref();
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        clearInterval(keepAlive);
        for (const c of this.conns.values()) c.socket.destroy();
        this.conns.clear();
        resolve({ lost: !this.closing });
      });
    });
    ws.on('error', () => ws.terminate());
  }

  /** Opens the tunnel to the pod; rejects with TunnelRefused if the server answers the handshake with no 101. */
  static async open(kc: KubeConfig, namespace: string, pod: string): Promise<SpdyTunnel> {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('No cluster is defined.');
    const opts: WebSocket.ClientOptions & { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts);
    const url = `${server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`;
    // ws checks offered subprotocols against the RFC's token characters, which have no "/": the header is set
    // here and the server's answer checked below, before ws looks at it.
    const ws = new WebSocket(url, { ...opts, headers: { ...opts.headers, 'Sec-WebSocket-Protocol': SPDY_OVER_WEBSOCKET }, perMessageDeflate: false });
    ws.on('error', () => {}); // the first one rejects below; any later one of a failed handshake is the same failure
    return new Promise((resolve, reject) => {
      ws.once('upgrade', (res) => {
        const protocol = res.headers['sec-websocket-protocol'];
        delete res.headers['sec-websocket-protocol'];
        if (protocol !== SPDY_OVER_WEBSOCKET) {
          ws.terminate();
          reject(new TunnelRefused(101, `the server chose the subprotocol "${protocol ?? ''}", not ${SPDY_OVER_WEBSOCKET}`));
        }
      });
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body.length < 64 * 1024 ? (body += c) : undefined));
        res.once('end', () => {
          req.destroy();
          let message = body.trim() || `${res.statusCode} ${res.statusMessage}`;
          try {
            message = JSON.parse(body).message ?? message;
          } catch {
            /* not a Status */
          }
          reject(new TunnelRefused(res.statusCode ?? 0, message));
        });
      });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        resolve(new SpdyTunnel(ws));
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Carries one local connection to `port` on the pod, as kubectl does: an error stream (half-closed at once),
   * a data stream, both with the same requestid. Text on the error stream is handed to `onError`.
   */
  forward(socket: net.Socket, port: number, onError: (message: string) => void): void {
    if (!this.open) return void socket.destroy();
    const requestid = String(this.nextRequestId++);
    const c: Conn = { socket, errorId: this.nextStreamId, dataId: this.nextStreamId + 2, errorText: '', localDone: false, remoteDone: false, onError };
    this.nextStreamId += 4;
    this.conns.set(c.errorId, c);
    this.conns.set(c.dataId, c);
    this.synStream(c.errorId, { streamtype: 'error', port: String(port), requestid });
    this.push(dataHeader(c.errorId, FLAG_FIN, 0));
    this.synStream(c.dataId, { streamtype: 'data', port: String(port), requestid });
    socket.on('data', (d: Buffer) => {
      this.push(dataHeader(c.dataId, 0, d.length), d);
      if (this.ws.bufferedAmount + this.outBytes > HIGH_WATER) {
        socket.pause();
        this.pausedLocal.add(socket);
      }
    });
    // A local half-close is passed on (kubectl closes its side of the data stream); the answer may still come.
    socket.on('end', () => {
      c.localDone = true;
      this.push(dataHeader(c.dataId, FLAG_FIN, 0));
    });
    socket.on('drain', () => this.drained(socket));
    socket.once('close', () => {
      // Streams not finished both ways are reset, as kubectl removes a connection's streams when it closes.
      if (this.conns.get(c.dataId) === c && !(c.localDone && c.remoteDone)) {
        this.push(controlFrame(TYPE.RST_STREAM, 0, u32(c.dataId, RST.CANCEL)));
        this.push(controlFrame(TYPE.RST_STREAM, 0, u32(c.errorId, RST.CANCEL)));
      }
      this.conns.delete(c.errorId);
      this.conns.delete(c.dataId);
      this.pausedLocal.delete(socket);
      this.drained(socket);
    });
  }

  /** Says goodbye to the server and closes the WebSocket; the local connections are closed with it. */
  close(): Promise<unknown> {
    if (!this.closing) {
      this.closing = true;
      if (this.open) {
        this.push(controlFrame(TYPE.GOAWAY, 0, u32(0, 0)));
        this.flush();
        this.ws.close(1000);
        setTimeout(() => this.ws.terminate(), 2000).unref();
      } else this.ws.terminate();
    }
    return this.closed;
  }

  private synStream(id: number, headers: Record<string, string>) {
    // Stream-ID, Associated-To-Stream-ID, priority and slot, then the header block.
    const payload = Buffer.concat([u32(id, 0), Buffer.from([0, 0]), this.headers.block(encodeHeaders(headers))]);
    this.push(controlFrame(TYPE.SYN_STREAM, 0, payload));
  }

  private push(...pieces: Buffer[]) {
    if (!this.open || this.closing) return;
    for (const p of pieces) {
      this.out.push(p);
      this.outBytes += p.length;
    }
    if (this.outBytes >= BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private flushNow = () => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush() {
    if (this.out.length === 0) return;
    const message = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(message, { binary: true }, this.sent);
  }

  /** Each sent message is a moment the WebSocket's queue got shorter: paused local sockets go on below the mark. */
  private sent = () => {
    if (this.pausedLocal.size === 0 || this.ws.bufferedAmount > LOW_WATER) return;
    for (const s of this.pausedLocal) s.resume();
    this.pausedLocal.clear();
  };

  private drained(socket: net.Socket) {
    if (this.fullLocal.delete(socket) && this.fullLocal.size === 0) this.ws.resume();
  }

  private input(d: Buffer) {
    // Frames are a byte stream over the messages: a message may hold several, or part of one.
    const { frames, rest } = parseFrames(this.pending.length ? Buffer.concat([this.pending, d]) : d);
    this.pending = rest.length ? Buffer.from(rest) : rest;
    for (const f of frames) {
      if (f.kind === 'data') {
        const c = this.conns.get(f.streamId);
        if (!c) continue;
        if (f.streamId === c.dataId) {
          if (f.data.length && !c.socket.destroyed && !c.socket.write(f.data)) {
            // The local reader is slower: the tunnel waits for it (the streams share it; SPDY over kubectl's
            // spdystream has no flow control per stream).
            this.fullLocal.add(c.socket);
            this.ws.pause();
          }
          if (f.flags & FLAG_FIN) {
            c.remoteDone = true;
            c.socket.end();
          }
        } else {
          c.errorText += f.data.toString();
          if (f.flags & FLAG_FIN) this.reportError(c);
        }
        continue;
      }
      switch (f.type) {
        case TYPE.RST_STREAM: {
          const c = this.conns.get(f.payload.readUInt32BE(0) & 0x7fffffff);
          if (!c) break;
          this.reportError(c);
          c.socket.destroy();
          break;
        }
        case TYPE.PING:
          this.push(controlFrame(TYPE.PING, 0, f.payload.subarray(0, 4)));
          break;
        case TYPE.GOAWAY:
          this.ws.close(1000);
          break;
        default:
          // SYN_REPLY, HEADERS, SETTINGS, WINDOW_UPDATE: nothing port-forward needs (the server's header blocks
          // are not read, so its compression context need not be followed).
          break;
      }
    }
  }

  private reportError(c: Conn) {
    const text = c.errorText.trim();
    c.errorText = '';
    if (!text) return;
    c.onError(text);
    c.socket.destroy();
  }
}

