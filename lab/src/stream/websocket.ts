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

/** Completes the handshake with `protocol` (one the client offered) and gives the socket. */
export function acceptWebSocket(req: http.IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  delete req.headers['sec-websocket-protocol'];
  const addHeader = (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
  wss.once('headers', addHeader);
  return new Promise((resolve) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.off('headers', addHeader);
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
