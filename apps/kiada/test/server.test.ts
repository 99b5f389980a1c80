// The real server on real sockets: IPv4 and IPv6 loopback, binding, and a graceful stop with a request in flight.
import { describe, it, expect, afterEach } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { startServer, type RunningServer } from '../src/server.ts';
import type { Logger } from '../src/log.ts';

const quiet: Logger = { line: () => {}, flush: () => {} };
let running: RunningServer | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
});

function get(host: string, port: number, path = '/', agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, agent, headers: { accept: '*/*' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('kiada server', () => {
  it('answers on IPv4 and IPv6 loopback with the client address as Node reports it', async () => {
    running = await startServer({ port: 0, addresses: ['::'], hostname: 'kiada', logger: quiet });
    expect((await get('127.0.0.1', running.port)).body).toBe(
      'Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n',
    );
    expect((await get('::1', running.port)).body).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::1\n');
  });

  it('binds to loopback only when asked', async () => {
    running = await startServer({ port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: quiet });
    expect((await get('127.0.0.1', running.port)).body).toContain('Client IP: 127.0.0.1\n');
    await expect(get('::1', running.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('finishes a request in flight when shutdown starts, then closes the connection', async () => {
    running = await startServer({ port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: quiet });
    const r = running;
    let closing: Promise<void> | undefined;
    // Start the shutdown at the exact moment the request reaches the server, before the app answers it.
    r.servers[0].prependListener('request', () => (closing ??= r.shutdown()));
    const agent = new http.Agent({ keepAlive: true });
    const res = await get('127.0.0.1', r.port, '/', agent);
    expect(res.status).toBe(200);
    expect(res.body).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: 127.0.0.1\n');
    expect(res.headers.connection).toBe('close');
    const t0 = Date.now();
    await closing;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.ready()).toBe(false);
    await expect(get('127.0.0.1', r.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
    running = undefined;
  });

  it('closes idle keep-alive connections at once on shutdown', async () => {
    running = await startServer({ port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: quiet });
    const sock = net.connect(running.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => sock.once('data', r));
    const closed = new Promise((r) => sock.once('close', r));
    const t0 = Date.now();
    await running.shutdown();
    await closed;
    expect(Date.now() - t0).toBeLessThan(500);
    running = undefined;
  });

  it('answers a malformed request with 400 and keeps serving', async () => {
    running = await startServer({ port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: quiet });
    const sock = net.connect(running.port, '127.0.0.1');
    let data = '';
    sock.on('data', (c) => (data += c));
    sock.write('NOT HTTP AT ALL\r\n\r\n');
    await new Promise((r) => sock.once('close', r));
    expect(data.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await get('127.0.0.1', running.port)).status).toBe(200);
  });
});
