// A WebSocket upgrade that accepts the subprotocols Kubernetes uses, including names with "/" that the ws
// package refuses as tokens (SPDY/3.1+portforward.k8s.io): we pick the protocol ourselves and echo it.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });

export function offeredProtocols(req: http.IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export function isWebSocket(req: http.IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

// The protocol chosen for each request, added to its 101 answer by one permanent listener: a handshake that ws
// refuses (bad version, no key) never reaches the 'headers' event, so a per-request listener would be left behind
// and add its protocol to the next answer (client-node refuses two).
const chosen = new WeakMap<http.IncomingMessage, string>();
wss.on('headers', (headers: string[], req: http.IncomingMessage) => {
  const protocol = chosen.get(req);
  if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
});

/**
 * Completes the handshake with `protocol` (one the client offered) and gives the socket; null when ws refused the
 * handshake (it has answered the client with the reason and closed the connection).
 */
export function acceptWebSocket(req: http.IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket | null> {
  delete req.headers['sec-websocket-protocol'];
  chosen.set(req, protocol);
  return new Promise((resolve) => {
    const refused = () => resolve(null);
    socket.once('close', refused);
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', refused);
      (ws as unknown as { _protocol: string })._protocol = protocol;
      resolve(ws);
    });
  });
}

export function rejectUpgrade(socket: Duplex, code: number, reason: string, status: object): void {
  const body = JSON.stringify(status);
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/**
 * Sends a readable stream's chunks as binary messages (each prefixed as `frame` makes it), pausing the stream
 * while the socket has more than 4 MiB queued, until less than 1 MiB is: a slow client slows the process or
 * connection behind it. ws calls each send's callback once the socket has written that message (or failed to):
 * every such call is a moment the queue got shorter, so no timer has to watch it drain. (ws's
 * createWebSocketStream would give back-pressure too, but it also takes over the incoming messages that the
 * channel protocols read themselves, and closes the socket when the stream ends.)
 */
export function pumpToWebSocket(ws: WebSocket, stream: NodeJS.ReadableStream, frame: (chunk: Buffer) => Buffer): void {
  let paused = false;
  const written = () => {
    if (paused && (ws.bufferedAmount < LOW_WATER || ws.readyState !== ws.OPEN)) {
      paused = false;
      stream.resume();
    }
  };
  stream.on('data', (d: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(d), { binary: true }, written);
    if (!paused && ws.bufferedAmount > HIGH_WATER) {
      paused = true;
      stream.pause();
    }
  });
}
