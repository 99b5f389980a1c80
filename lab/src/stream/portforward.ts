// Port-forward in the three ways clients ask for it:
//   kubectl 1.32 default   WebSocket with subprotocol SPDY/3.1+portforward.k8s.io, SPDY frames inside
//   kubectl fallback       a direct `Upgrade: SPDY/3.1` (X-Stream-Protocol-Version: portforward.k8s.io)
//   client-node            WebSocket channels (…/portforward?ports=8080, v4.channel.k8s.io)
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import { ApiError } from '../store/index.ts';
import { acceptWebSocket, isWebSocket, offeredProtocols, pumpToWebSocket, rejectUpgrade } from './websocket.ts';
import { servePortForwardSession } from './spdy-portforward.ts';
import { acceptSpdyUpgrade, isSpdyUpgrade, offeredVersions } from './spdy/upgrade.ts';

const SPDY_OVER_WEBSOCKET = 'SPDY/3.1+portforward.k8s.io';

const PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', 'portforward.k8s.io'];

export async function handlePortForward(req: http.IncomingMessage, socket: Duplex, head: Buffer, connect: (port: number) => Promise<Duplex>): Promise<void> {
  if (isWebSocket(req) && offeredProtocols(req).includes(SPDY_OVER_WEBSOCKET)) {
    const ws = await acceptWebSocket(req, socket, head, SPDY_OVER_WEBSOCKET);
    if (!ws) return;
    servePortForwardSession(createWebSocketStream(ws, { allowHalfOpen: true }), connect);
    return;
  }
  if (isSpdyUpgrade(req)) {
    if (!offeredVersions(req).includes('portforward.k8s.io')) {
      return rejectUpgrade(socket, 403, 'Forbidden', new ApiError(403, 'Forbidden', 'unable to upgrade: no supported protocol version (portforward.k8s.io)').toStatus());
    }
    acceptSpdyUpgrade(socket, 'portforward.k8s.io');
    servePortForwardSession(socket, connect, head);
    return;
  }
  const q = new URL(req.url ?? '/', 'https://127.0.0.1').searchParams;
  const protocol = PROTOCOLS.find((p) => offeredProtocols(req).includes(p));
  const ports = (q.get('ports') ?? '').split(',').filter(Boolean).map(Number);
  if (!isWebSocket(req) || !protocol || ports.length === 0 || ports.some((p) => !(p > 0 && p < 65536))) {
    const msg = 'port-forward needs a WebSocket (SPDY/3.1+portforward.k8s.io, or v4.channel.k8s.io with ?ports=N) or an Upgrade: SPDY/3.1';
    return rejectUpgrade(socket, 400, 'Bad Request', new ApiError(400, 'BadRequest', msg).toStatus());
  }
  const ws = await acceptWebSocket(req, socket, head, protocol);
  if (!ws) return;
  // Channels 2i (data) and 2i+1 (error) for the i-th port; the first frame on each carries the port (LE).
  const portPrefix = (channel: number, port: number) => Buffer.from([channel, port & 0xff, (port >> 8) & 0xff]);
  const upstreams: (Duplex | null)[] = [];
  // Client bytes may arrive before the pod connection is open: keep them until it is.
  const early: Buffer[][] = ports.map(() => []);
  ws.on('message', (raw: Buffer) => {
    const channel = raw[0];
    if (channel % 2 !== 0) return;
    const i = channel / 2;
    const up = upstreams[i];
    if (up) up.write(raw.subarray(1));
    else if (up === undefined) early[i]?.push(Buffer.from(raw.subarray(1)));
  });
  ws.on('close', () => upstreams.forEach((u) => u?.destroy()));
  ports.forEach((port, i) => {
    ws.send(portPrefix(2 * i, port), { binary: true });
    ws.send(portPrefix(2 * i + 1, port), { binary: true });
  });
  await Promise.all(
    ports.map(async (port, i) => {
      try {
        const up = await connect(port);
        upstreams[i] = up;
        for (const b of early[i].splice(0)) up.write(b);
        pumpToWebSocket(ws, up, (d) => Buffer.concat([Buffer.of(2 * i), d]));
        up.on('end', () => ws.close(1000));
        up.on('error', () => ws.close(1000));
      } catch (err) {
        upstreams[i] = null;
        ws.send(Buffer.concat([Buffer.of(2 * i + 1), Buffer.from((err as Error).message)]), { binary: true });
        ws.close(1000);
      }
    }),
  );
}
