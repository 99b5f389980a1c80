// Our WebSocket client (src/lib/websocket-client.ts) against ws's own server on node:https, on loopback: the
// handshake, frames both ways (masked, as a client's must be: ws's server refuses others), frames that come with the
// 101, the closing handshake from either side, ping, and what a refusal or a wrong answer to the handshake gives.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { generateCerts } from '@kiada/lab/testing.ts';
import { openWebSocket, type Handlers } from '../src/lib/websocket-client.ts';
import { describeError } from '../src/lib/errors.ts';

let server: https.Server;
let base: string;
let ca: string;
/** What the server does with each new WebSocket, by path. */
const behaviours: Record<string, (ws: WebSocket) => void> = {
  // Echoes each message back, binary.
  '/echo': (ws) => ws.on('message', (data: Buffer) => ws.send(Buffer.concat([Buffer.from('echo:'), data]))),
  // Sends its whole answer at once, corked with the 101, then closes (as exec's status and end can come).
  '/burst': (ws) => {
    ws.send(Buffer.from('one'));
    ws.send(Buffer.from('two'));
    ws.close(1000);
  },
  // Pings, and tells whether the pong came.
  '/ping': (ws) => {
    ws.on('pong', (data) => ws.send(Buffer.from(`pong:${data}`)));
    ws.ping(Buffer.from('x'));
  },
};
const closes: number[] = [];

beforeAll(async () => {
  const certs = await generateCerts();
  ca = certs.ca;
  server = https.createServer({ cert: certs.cert, key: certs.key }, (_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket: net.Socket, head) => {
    const path = new URL(req.url!, 'https://x').pathname;
    const refuse = (body: string) => socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    if (path === '/forbidden') return refuse(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'pods "kiada" is forbidden: no exec for you', code: 403 }));
    if (path === '/forbidden-bare') return refuse('{}');
    if (path === '/wrong-accept') return socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
    socket.cork();
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('close', (code) => closes.push(code));
      behaviours[path]?.(ws);
      process.nextTick(() => socket.uncork());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `wss://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** Opens path; the messages as text, and a promise of the close. */
async function open(path: string, protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
  const messages: string[] = [];
  const errors: string[] = [];
  let closed!: () => void;
  const ended = new Promise<void>((r) => (closed = r));
  const on: Handlers = { message: (d) => messages.push(d.toString()), close: () => closed(), error: (e) => errors.push(e.message) };
  const channel = await openWebSocket(new URL(path, base), protocols, { headers: { Authorization: 'Bearer t' }, tls: { ca } }, on);
  return { channel, messages, errors, ended };
}

describe('websocket-client', () => {
  it('speaks the chosen subprotocol, both ways, and closes when asked (1000, answered by the server)', async () => {
    const c = await open('/echo');
    expect(c.channel.protocol).toBe('v5.channel.k8s.io');
    c.channel.send(Buffer.from('a'));
    c.channel.send(Buffer.from('b'));
    await new Promise((r) => setTimeout(r, 100));
    expect(c.messages).toEqual(['echo:a', 'echo:b']);
    closes.length = 0;
    c.channel.close();
    expect(c.channel.open).toBe(false);
    await c.ended;
    for (let i = 0; i < 50 && !closes.length; i++) await new Promise((r) => setTimeout(r, 10)); // the server's side of it
    expect({ closes, errors: c.errors }).toEqual({ closes: [1000], errors: [] });
  });

  it('reads frames that came with the 101 (after the caller has the channel), and ends when the server closes', async () => {
    const c = await open('/burst');
    expect(c.messages).toEqual([]); // not before the caller has the channel
    await c.ended;
    expect({ messages: c.messages, errors: c.errors }).toEqual({ messages: ['one', 'two'], errors: [] });
  });

  it('answers a ping', async () => {
    const c = await open('/ping');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.messages).toEqual(['pong:x']);
    c.channel.close();
    await c.ended;
  });

  it("a refusal is the API server's Status, as kubectl prints it; a wrong handshake an error", async () => {
    const forbidden = await open('/forbidden').catch((e: unknown) => e);
    expect(describeError(forbidden)).toBe('Error from server (Forbidden): pods "kiada" is forbidden: no exec for you');
    const bare = await open('/forbidden-bare').catch((e: unknown) => e);
    expect(describeError(bare)).toBe('Error from server (Forbidden): the server does not allow access to the requested resource');
    await expect(open('/wrong-accept')).rejects.toThrow('Invalid Sec-WebSocket-Accept header');
    await expect(open('/echo', ['v9.channel.k8s.io'])).rejects.toThrow('Server sent no subprotocol');
  });
});
