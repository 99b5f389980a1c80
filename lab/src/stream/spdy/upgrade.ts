// The HTTP side of a SPDY/3.1 upgrade, as kubectl asks for it (`Upgrade: SPDY/3.1`, the versions it speaks in
// X-Stream-Protocol-Version) and as the kubelet's httpstream.Handshake answers it.
import type http from 'node:http';
import type { Duplex } from 'node:stream';

export function isSpdyUpgrade(req: http.IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
}

/** The stream protocol versions the client offers, in its order (Node joins repeated headers with commas). */
export function offeredVersions(req: http.IncomingMessage): string[] {
  return String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
}

/** The 101 that switches the connection to SPDY/3.1 with the version chosen. */
export function acceptSpdyUpgrade(socket: Duplex, version: string): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${version}\r\n\r\n`);
}
