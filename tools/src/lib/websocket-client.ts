// A WebSocket client on a connection of http-client.ts's (exec's: the one its GET of the pod kept alive): the opening
// handshake written and checked here (RFC 6455 §4.1), the frames read and written by ws's own Receiver and Sender.
// ws's WebSocket makes its handshake through node:http — its modules and ClientRequest cost exec ~3 ms of the ~63
// kubectl takes (bench/README.md, CLI) — and takes no connection that is already open.
import crypto from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type net from 'node:net';
import * as ws from 'ws';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { upgrade, type Request } from './http-client.ts';

// ws exports its frame reader and writer (index.js, wrapper.mjs) as it has since 1.x; @types/ws does not declare them.
const { Receiver, Sender } = ws as unknown as {
  Receiver: new (o: { isServer: boolean; binaryType: 'nodebuffer'; allowSynchronousEvents: boolean }) => EventEmitter & { write(chunk: Buffer): boolean };
  Sender: new (socket: net.Socket) => {
    send(data: Buffer, o: { binary: boolean; compress: boolean; fin: boolean; mask: boolean }, cb: () => void): void;
    close(code: number, reason: string, mask: boolean, cb: () => void): void;
    pong(data: Buffer, mask: boolean, cb: () => void): void;
  };
};

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
// As ws waits for the server's closing frame before it gives up on the connection.
const CLOSE_TIMEOUT_MS = 30_000;

export interface Handlers {
  /** A data frame (binary or text) from the server. */
  message(data: Buffer): void;
  /** The connection has ended (after the closing handshake, or not). */
  close(): void;
  /** What went wrong, before close. */
  error(err: Error): void;
}

export interface Channel {
  /** The subprotocol the server chose. */
  protocol: string;
  /** Until the closing handshake begins. */
  readonly open: boolean;
  send(data: Buffer): void;
  /** Begins the closing handshake (1000). */
  close(): void;
}

/**
 * Opens a WebSocket to url (ws: or wss:) with one of these subprotocols; the handlers are called from the first frame
 * on (frames that came with the 101 included). A refusal (403, 404 …) is an ApiException with the server's Status.
 */
export async function openWebSocket(url: URL, protocols: string[], r: Omit<Request, 'method' | 'body'>, on: Handlers): Promise<Channel> {
  const key = crypto.randomBytes(16).toString('base64');
  const http = new URL(url.href.replace(/^ws/, 'http'));
  const headers = { ...r.headers, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Protocol': protocols.join(', ') };
  const u = await upgrade(http, { method: 'GET', headers, tls: r.tls });
  if ('text' in u) throw new ApiException(u.statusCode, `GET ${url.pathname}`, u.text, u.headers);
  const { socket, head } = u;
  const fail = (message: string) => {
    socket.destroy();
    throw new Error(message);
  };
  const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
  if (u.headers['sec-websocket-accept'] !== accept) fail('Invalid Sec-WebSocket-Accept header');
  const protocol = u.headers['sec-websocket-protocol'] ?? '';
  if (!protocols.includes(protocol)) fail(protocol ? 'Server sent an invalid subprotocol' : 'Server sent no subprotocol');
  return attach(socket, head, protocol, on);
}

function attach(socket: net.Socket, head: Buffer, protocol: string, on: Handlers): Channel {
  const sender = new Sender(socket);
  const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', allowSynchronousEvents: true });
  let closing = false;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const sendClose = (code: number) => {
    if (closing) return;
    closing = true;
    sender.close(code, '', true, () => undefined);
    // The server ends the connection once it has our closing frame; if it never does, we do.
    timer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  };
  receiver.on('message', (data: Buffer) => on.message(data));
  receiver.on('ping', (data: Buffer) => sender.pong(data, true, () => undefined));
  receiver.on('conclude', (code: number) => {
    sendClose(code === 1005 ? 1000 : code);
    socket.end();
  });
  receiver.on('error', (err: Error) => {
    on.error(err);
    socket.destroy();
  });
  socket.on('data', (chunk: Buffer) => receiver.write(chunk));
  socket.on('error', (err) => on.error(err));
  socket.on('close', () => {
    clearTimeout(timer);
    if (ended) return;
    ended = true;
    on.close();
  });
  socket.setNoDelay(true); // stdin's keystrokes one by one, as ws does
  // What came with the 101 (a short command's whole output can), once the caller has the channel: before the
  // socket's next data, which comes with the event loop's next turn.
  if (head.length) process.nextTick(() => receiver.write(head));
  return {
    protocol,
    get open() {
      return !closing && !socket.destroyed;
    },
    send: (data) => void (!closing && !socket.destroyed && sender.send(data, { binary: true, compress: false, fin: true, mask: true }, () => undefined)),
    close: () => sendClose(1000),
  };
}
