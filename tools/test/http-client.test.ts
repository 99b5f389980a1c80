// Our HTTP/1.1 client (src/lib/http-client.ts) against real node:https and node:net servers on loopback: bodies of
// every framing, keep-alive, what kubectl's users see when a connection fails, and the TLS checks node:https makes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import { generateCerts } from '@kiada/lab/testing.ts';
import { request, requestText, type Response } from '../src/lib/http-client.ts';

let certs: Awaited<ReturnType<typeof generateCerts>>;
let other: Awaited<ReturnType<typeof generateCerts>>;
let server: https.Server;
let base: string;
/** Per request: the connection's remote port (which connection served it), the SNI name the client sent. */
const seen: { path: string; port: number; sni: string | false | null; resumed: boolean; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  [certs, other] = await Promise.all([generateCerts(), generateCerts()]);
  server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      const socket = req.socket as tls.TLSSocket;
      seen.push({ path: req.url!, port: socket.remotePort!, sni: socket.servername, resumed: socket.isSessionReused(), headers: req.headers, body });
      if (req.url === '/sized') return res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '11' }).end('{"a":"b c"}');
      if (req.url === '/chunked') {
        res.writeHead(200);
        res.write('one\n');
        return setTimeout(() => res.end('two\n'), 20);
      }
      if (req.url === '/close') return res.writeHead(200, { Connection: 'close' }).end('bye');
      if (req.url === '/cut') {
        res.writeHead(200, { 'Content-Length': '1000' }).write('part');
        return setTimeout(() => res.destroy(), 20);
      }
      if (req.url === '/hangup') return req.socket.destroy();
      if (req.url === '/echo') return res.writeHead(201).end(body);
      if (req.url === '/empty') return res.writeHead(204).end();
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"kind":"Status"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const read = (res: Response) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text)).on('error', reject);
  });
const get = (p: string, o: { tls?: tls.ConnectionOptions; headers?: Record<string, string>; base?: string } = {}) =>
  request(new URL(p, o.base ?? base), { method: 'GET', headers: o.headers ?? {}, tls: o.tls ?? { ca: certs.ca } });

describe('http-client', () => {
  it('reads a body sized by Content-Length, chunked, or ended with the connection; status and headers as node:http gives them', async () => {
    const sized = await get('/sized');
    expect([sized.res.statusCode, sized.res.headers['content-type'], await read(sized.res), sized.res.complete]).toEqual([200, 'application/json', '{"a":"b c"}', true]);
    const chunked = await get('/chunked');
    expect([chunked.res.headers['transfer-encoding'], await read(chunked.res)]).toEqual(['chunked', 'one\ntwo\n']);
    const close = await get('/close');
    expect([close.res.headers.connection, await read(close.res)]).toEqual(['close', 'bye']);
    const empty = await get('/empty');
    expect([empty.res.statusCode, await read(empty.res)]).toEqual([204, '']); // no body to wait for
    const missing = await get('/nope');
    expect([missing.res.statusCode, await read(missing.res)]).toEqual([404, '{"kind":"Status"}']);
  });

  it('reads a whole body as text without a stream, as the stream reads it; fails as the stream fails', async () => {
    const text = (p: string) => requestText(new URL(p, base), { method: 'GET', headers: {}, tls: { ca: certs.ca } });
    expect(await text('/sized')).toEqual({ statusCode: 200, headers: expect.objectContaining({ 'content-length': '11' }), text: '{"a":"b c"}' });
    expect((await text('/chunked')).text).toBe('one\ntwo\n');
    expect((await text('/close')).text).toBe('bye');
    expect(await text('/nope')).toMatchObject({ statusCode: 404, text: '{"kind":"Status"}' });
    await expect(text('/cut')).rejects.toMatchObject({ message: 'aborted', code: 'ECONNRESET' });
    await expect(text('/hangup')).rejects.toMatchObject({ message: 'socket hang up', code: 'ECONNRESET' });
  });

  it('keeps a connection alive for the next call, not one the server closes; sends a body with its length', async () => {
    seen.length = 0;
    await read((await get('/sized')).res);
    await read((await get('/chunked')).res);
    await read((await get('/close')).res);
    await read((await get('/sized')).res);
    const ports = seen.map((s) => s.port);
    expect(ports[1]).toBe(ports[0]);
    expect(ports[2]).toBe(ports[0]);
    expect(ports[3]).not.toBe(ports[0]); // /close ended that one
    const post = await request(new URL('/echo', base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"é":1}', tls: { ca: certs.ca } });
    expect([post.res.statusCode, await read(post.res)]).toEqual([201, '{"é":1}']);
    expect(seen.at(-1)!.headers['content-length']).toBe('8'); // bytes, not characters
    expect(seen.at(-1)!.headers.host).toBe(new URL(base).host);
  });

  it("a second connection resumes the first one's TLS session, as node:https's Agent does; never with other TLS options", async () => {
    const fresh = `${base.replace('127.0.0.1', 'localhost')}`; // a server (host) this file has not called yet
    seen.length = 0;
    await read((await get('/sized', { base: fresh })).res);
    // One call holds the kept-alive connection while the other opens a second (curl-from-pod's watch beside its calls).
    const [a, b] = await Promise.all([get('/chunked', { base: fresh }), get('/sized', { base: fresh })]);
    await Promise.all([read(a.res), read(b.res)]);
    // Other TLS options (no server name checked against another): a connection and a handshake of their own.
    await read((await get('/sized', { base: fresh, tls: { ca: certs.ca, rejectUnauthorized: false } })).res);
    const calls = seen.map((s) => `${s.path} ${s.resumed ? 'resumed' : 'full handshake'}`);
    expect([calls[0], [calls[1], calls[2]].sort(), calls[3]]).toEqual(['/sized full handshake', ['/chunked full handshake', '/sized resumed'], '/sized full handshake']);
    expect(new Set(seen.map((s) => s.port)).size).toBe(3);
  });

  it("fails as node:http does: 'socket hang up' before the response, 'aborted' in its body (ECONNRESET: kubectl's Unable to connect)", async () => {
    await expect(get('/hangup')).rejects.toMatchObject({ message: 'socket hang up', code: 'ECONNRESET' });
    const cut = await get('/cut');
    await expect(read(cut.res)).rejects.toMatchObject({ message: 'aborted', code: 'ECONNRESET' });
    expect(cut.res.complete).toBe(false);
    const refused = net.createServer();
    await new Promise<void>((r) => refused.listen(0, '127.0.0.1', () => r()));
    const port = (refused.address() as net.AddressInfo).port;
    refused.close();
    await expect(get('/', { base: `https://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('abort() ends a response still coming, and leaves one that came alone', async () => {
    const chunked = await get('/chunked');
    const ended = read(chunked.res);
    chunked.abort();
    await expect(ended).rejects.toMatchObject({ message: 'aborted' });
    const sized = await get('/sized');
    expect(await read(sized.res)).toBe('{"a":"b c"}');
    sized.abort();
    expect(sized.res.destroyed).toBe(true); // ended normally, not by the abort
  });

  it('refuses a header value that would smuggle a line into the request, and sends nothing', async () => {
    seen.length = 0;
    await expect(get('/sized', { headers: { Authorization: 'Bearer a\r\nX-Injected: 1' } })).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    await expect(get('/sized', { headers: { 'Bad Name': 'x' } })).rejects.toMatchObject({ code: 'ERR_INVALID_HTTP_TOKEN' });
    expect(seen).toEqual([]);
  });

  it('checks the server as node:https does: its CA, its name; SNI for a host name, none for an IP', async () => {
    await expect(get('/sized', { tls: { ca: other.ca } })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(get('/sized', { tls: {} })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(get('/sized', { tls: { ca: certs.ca, servername: 'elsewhere.example' } })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const insecure = await get('/sized', { tls: { ca: other.ca, rejectUnauthorized: false } });
    expect(await read(insecure.res)).toBe('{"a":"b c"}');
    seen.length = 0;
    await read((await get('/sized', { tls: { ca: certs.ca } })).res);
    await read((await get('/sized', { base: base.replace('127.0.0.1', 'localhost'), tls: { ca: certs.ca } })).res);
    expect(seen.map((s) => s.sni)).toEqual([false, 'localhost']);
  });

  it('speaks plain HTTP for an http: server; passes over an interim answer (103) to the final one', async () => {
    const plain = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await get('/', { base: `http://127.0.0.1:${(plain.address() as net.AddressInfo).port}` });
      expect([r.res.statusCode, await read(r.res)]).toEqual([200, 'ok']);
    } finally {
      plain.close();
    }
  });
});
