// pumpToWebSocket (exec output, port-forward data over WebSocket): a client that stops reading stops the source
// after a few MiB, and everything arrives in order once it reads again — resumed by ws's own write callbacks,
// with no timer polling the queue.
import { describe, it, expect, vi, afterEach } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import { acceptWebSocket, pumpToWebSocket } from '../../src/stream/websocket.ts';

const CHUNK = 64 * 1024;
const CHUNKS = 1024; // 64 MiB
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pumpToWebSocket', () => {
  afterEach(() => vi.useRealTimers());

  it('pauses the source while the client does not read, and delivers every byte in order once it does', async () => {
    // A polling loop (setInterval) would never fire here: only the socket's own events can resume the source.
    vi.useFakeTimers({ toFake: ['setInterval'] });
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced === CHUNKS) return void this.push(null);
        this.push(Buffer.alloc(CHUNK, produced++ & 0xff));
      },
    });
    const server = http.createServer();
    server.on('upgrade', async (req, socket, head) => {
      const ws = await acceptWebSocket(req, socket, head, 'v5.channel.k8s.io');
      if (ws) pumpToWebSocket(ws, source, (d) => Buffer.concat([Buffer.of(1), d]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, 'v5.channel.k8s.io');
    try {
      const received: Buffer[] = [];
      client.on('message', (m: Buffer) => received.push(m));
      await new Promise((r) => client.once('open', r));
      client.pause();
      // Wait until the source has stopped: 4 MiB queued in ws plus what the kernel's socket buffers hold.
      let last = -1;
      while (produced !== last) {
        last = produced;
        await sleep(200);
      }
      expect(produced * CHUNK).toBeLessThan(24 * MiB);
      client.resume();
      const deadline = Date.now() + 10_000;
      while (received.length < CHUNKS && Date.now() < deadline) await sleep(20);
      expect(received.length).toBe(CHUNKS);
      received.forEach((m, i) => {
        expect(m.length).toBe(CHUNK + 1);
        expect([m[0], m[1], m[CHUNK]]).toEqual([1, i & 0xff, i & 0xff]);
      });
    } finally {
      client.terminate();
      server.close();
    }
  }, 30_000);
});
