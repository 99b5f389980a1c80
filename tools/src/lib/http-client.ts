// HTTP/1.1 for the API calls of the commands that only make HTTPS calls, on sockets of our own (tls.connect,
// net.connect) with http-parser-js reading the responses. node:http's client — its modules, Agent, ClientRequest and
// native parser, set up for one GET — costs a command ~4–5 ms of the ~48 kubectl takes for all of `get pod`
// (bench/README.md, CLI, fourth pass). What it does for our calls, it does here: keep-alive (a connection whose
// response ended serves the next call to the same server with the same TLS options, idle ones not keeping the
// process alive), SNI for a host name, header values checked, Node's errors for a connection that ends early; an
// upgrade (exec's WebSocket) takes such a connection for itself.
import net from 'node:net';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import { HTTPParser } from 'http-parser-js';

/** The TLS options of a kubeconfig, as node:https takes them (kubeconfig.ts, client-node's applyToHTTPSOptions). */
export type TlsOptions = Pick<tls.ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>;

/** A response as node:http's IncomingMessage gives what we read of one: status, headers, the body as a stream. */
export interface Response extends Readable {
  statusCode: number;
  /** Lower-case names; a header sent twice, joined with ', '. */
  headers: Record<string, string>;
  /** The whole body came (false if the connection ended first). */
  complete: boolean;
}

export interface Request {
  method: string;
  headers: Record<string, string>;
  /** Sent with its Content-Length. */
  body?: string;
  tls: TlsOptions;
}

/** Idle kept-alive connections by server and TLS options. */
const idle = new Map<string, net.Socket[]>();

const poolKey = (url: URL, o: TlsOptions) =>
  [url.protocol, url.host, o.servername, o.rejectUnauthorized, ...[o.ca, o.cert, o.key].map((v) => (v === undefined ? '' : String(v)))].join('\0');

/**
 * TLS sessions by pool key, kept as node:https's Agent keeps them: a second connection to the same server with the
 * same TLS options (curl-from-pod's watch, opened beside its create) resumes the first one's session — no
 * certificate sent, signed and checked again. In memory, for this process only.
 */
const sessions = new Map<string, Buffer>();

const errorWith = (message: string, code: string) => Object.assign(new Error(message), { code });

// Nagle's algorithm left on: each request is one write (its head and body together), never held back behind
// another; websocket-client.ts turns it off on exec's upgraded connection (keystrokes go one by one).
function connect(url: URL, o: TlsOptions, key: string): net.Socket {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without its brackets
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  if (url.protocol === 'http:') return net.connect({ host, port });
  // SNI for a host name, as node:https sends it; an IP address has none. The certificate is checked against
  // servername, else host (tls.checkServerIdentity).
  const servername = o.servername ?? (net.isIP(host) ? undefined : host);
  const socket = tls.connect({ host, port, ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: o.rejectUnauthorized, servername, session: sessions.get(key) });
  // As the Agent: the server's newest ticket kept; a connection that failed forgets it (the server may not take it).
  return socket.on('session', (s: Buffer) => sessions.set(key, s)).once('close', (hadError) => void (hadError && sessions.delete(key)));
}

/** What takes an idle connection out of the pool when it errs or ends. */
const dropOnEnd = new WeakMap<net.Socket, () => void>();

function takeIdle(key: string): net.Socket | undefined {
  const sockets = idle.get(key);
  let socket;
  // Not one the server has ended (its FIN read, the socket not yet closed): a request there would be lost.
  while ((socket = sockets?.pop()) && (socket.destroyed || socket.readableEnded || !socket.writable));
  if (!socket) return undefined;
  const drop = dropOnEnd.get(socket)!;
  socket.off('error', drop).off('end', drop).off('close', drop);
  return socket.ref();
}

function release(key: string, socket: net.Socket): void {
  // As Node's agent keeps a socket: not keeping the process alive, its errors and its end only taking it out.
  const drop = () => {
    const list = idle.get(key) ?? [];
    if (list.includes(socket)) list.splice(list.indexOf(socket), 1);
  };
  dropOnEnd.set(socket, drop);
  socket.unref().on('error', drop).on('end', drop).on('close', drop);
  idle.set(key, [...(idle.get(key) ?? []), socket]);
}

/** Header values as node:http lets them through (no CR, LF or NUL: nothing can be smuggled into the request). */
function headerLines(headers: Record<string, string>): string {
  let text = '';
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), { code: 'ERR_INVALID_HTTP_TOKEN' });
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), { code: 'ERR_INVALID_CHAR' });
    text += `${name}: ${value}\r\n`;
  }
  return text;
}

/** Where a response's parts go as they come. */
interface Sink {
  /** A 101 to an upgrade: the connection is the caller's from now on, with what came after the head. */
  upgrade?(socket: net.Socket, head: Buffer, headers: Record<string, string>): void;
  /** Its status and headers; the body follows. */
  head(statusCode: number, headers: Record<string, string>): void;
  /** A piece of the body; false when the reader is behind: the connection pauses until resume(). */
  body(chunk: Buffer): boolean;
  /** The whole response came. */
  end(): void;
  /**
   * The request failed, or its connection ended before the response did: as node:http, 'socket hang up'
   * (ECONNRESET) before the head, 'aborted' (ECONNRESET) after it.
   */
  error(err: Error): void;
}

/** Sends a request and feeds its response to sink; how to end it early (abort) and go on reading a paused one. */
function exchange(url: URL, r: Request, sink: Sink): { abort(): void; resume(): void } {
  const key = poolKey(url, r.tls);
  const head = `${r.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    headerLines({ ...r.headers, ...(r.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(r.body)) } : {}) });
  const socket = takeIdle(key) ?? connect(url, r.tls, key);
  const parser = new HTTPParser(HTTPParser.RESPONSE);
  let started = false;
  let done = false;
  let upgraded: Record<string, string> | undefined;
  // Not kept alive when the server says so, or when the body ends with the connection.
  let keepAlive = false;
  const detach = () => {
    socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
  };
  const fail = (err: Error) => {
    if (done) return;
    done = true;
    detach();
    socket.destroy();
    sink.error(err);
  };
  const cutShort = () => (started ? errorWith('aborted', 'ECONNRESET') : errorWith('socket hang up', 'ECONNRESET'));
  parser[HTTPParser.kOnHeadersComplete] = (info) => {
    if (done) return; // bytes after the response: not ours
    // An interim answer (1xx but a 101) is passed over: the parser goes on to the final one (its completion, before
    // `started`, ignored).
    if (info.statusCode < 200 && !info.upgrade) return 1;
    started = true;
    keepAlive = info.shouldKeepAlive;
    const headers: Record<string, string> = {};
    for (let i = 0; i < info.headers.length; i += 2) {
      const name = info.headers[i].toLowerCase();
      headers[name] = name in headers ? `${headers[name]}, ${info.headers[i + 1]}` : info.headers[i + 1];
    }
    // A 204 or a 304 has no body, whatever its headers say (RFC 9112, 6.3): none to wait for (1).
    if (info.statusCode === 204 || info.statusCode === 304) {
      sink.head(info.statusCode, headers);
      return 1;
    }
    // A 101: no body to parse (1), the parser stops after the head; onData hands the connection over.
    if (info.upgrade && sink.upgrade) {
      upgraded = headers;
      return 1;
    }
    sink.head(info.statusCode, headers);
  };
  // A view of the chunk the socket read (a buffer of its own each time): kept, not copied.
  parser[HTTPParser.kOnBody] = (chunk) => {
    if (!done && !sink.body(chunk)) socket.pause();
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (done || !started || upgraded) return;
    done = true;
    detach();
    if (keepAlive && !socket.destroyed) release(key, socket);
    else socket.destroy();
    sink.end();
  };
  const onData = (chunk: Buffer) => {
    const parsed = parser.execute(chunk);
    if (parsed instanceof Error) return fail(Object.assign(parsed, { code: (parsed as { code?: string }).code ?? 'HPE_INVALID' }));
    if (upgraded && !done) {
      done = true;
      detach();
      sink.upgrade!(socket, chunk.subarray(parsed), upgraded);
    }
  };
  const onEnd = () => {
    parser.finish(); // a body that ends with the connection completes here; anything else was cut short
    fail(cutShort());
  };
  const onError = (err: Error) => fail(err);
  const onClose = () => fail(cutShort());
  socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  socket.write(`${head}\r\n${r.body ?? ''}`);
  return { abort: () => fail(errorWith('aborted', 'ECONNRESET')), resume: () => void socket.resume() };
}

/**
 * Sends a request and resolves with the response once its head came, its body a stream (logs -f, a watch); rejects
 * when the request fails before. A body cut short is the stream's error. abort() ends a response still coming.
 */
export function request(url: URL, r: Request): Promise<{ res: Response; abort(): void }> {
  return new Promise((resolve, reject) => {
    let res: Response | undefined;
    const x = exchange(url, r, {
      head: (statusCode, headers) => {
        // node:stream from Node when needed (net has loaded it by now): imported, the bundle (tools/scripts/
        // build-bundle.js) would load it at start-up and copy its exports, ~1 ms of a command. Paused while the
        // reader is behind (logs -f into a slow pipe), as an IncomingMessage pauses its socket.
        const { Readable } = process.getBuiltinModule('node:stream');
        res = Object.assign(new Readable({ read: () => x.resume() }), { statusCode, headers, complete: false });
        resolve({ res, abort: () => x.abort() });
      },
      body: (chunk) => res!.push(chunk),
      end: () => {
        res!.complete = true;
        res!.push(null);
      },
      error: (err) => (res ? res.destroy(err) : reject(err)),
    });
  });
}

interface Whole {
  statusCode: number;
  headers: Record<string, string>;
  text: string;
}

/** A response read whole as text (JSON, a log's last lines): no stream made for it. */
export function requestText(url: URL, r: Request): Promise<Whole> {
  return readWhole(url, r);
}

/**
 * An upgrade request (exec's WebSocket): on a 101, the connection with what came after the head (the first frames
 * can come with it); on any other answer, that answer read whole.
 */
export function upgrade(url: URL, r: Request): Promise<{ socket: net.Socket; head: Buffer; headers: Record<string, string> } | Whole> {
  return readWhole(url, r, true);
}

function readWhole(url: URL, r: Request, upgrades = false): Promise<any> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let head: Record<string, string> = {};
    const chunks: Buffer[] = [];
    exchange(url, r, {
      upgrade: upgrades ? (socket, rest, headers) => resolve({ socket, head: rest, headers }) : undefined,
      head: (statusCode, headers) => void ((status = statusCode), (head = headers)),
      body: (chunk) => chunks.push(chunk) > 0,
      end: () => resolve({ statusCode: status, headers: head, text: Buffer.concat(chunks).toString('utf8') } satisfies Whole),
      error: reject,
    });
  });
}
