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

/**
 * Sends a readable stream's chunks as binary messages (each prefixed as `frame` makes it), pausing the stream
 * while the socket has more than 4 MiB queued: a slow client slows the process or connection behind it.
 */
export function pumpToWebSocket(ws: WebSocket, stream: NodeJS.ReadableStream, frame: (chunk: Buffer) => Buffer): void {
  stream.on('data', (d: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(d), { binary: true });
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      stream.pause();
      const wait = setInterval(() => {
        if (ws.bufferedAmount < 1024 * 1024 || ws.readyState !== ws.OPEN) {
          clearInterval(wait);
          stream.resume();
        }
      }, 2);
    }
  });
}
