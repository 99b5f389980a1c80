// Malformed and hostile requests over raw sockets: each one gets a 4xx or a closed connection, and the app
// keeps answering GET / exactly. Bounded: a few seconds in all.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { startServer, type RunningServer } from '../src/server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: { line: () => {}, flush: () => {} },
    limits: { headersTimeout: 400, requestTimeout: 800, connectionsCheckingInterval: 50 },
  });
});
afterAll(() => server.shutdown());

/** Writes the chunks (with pauses), returns what came back when the server closed or after `waitMs`. */
function raw(chunks: (string | Buffer)[], opts: { pauseMs?: number; waitMs?: number } = {}): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1');
    let data = '';
    let closed = false;
    s.on('data', (c) => (data += c.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      resolve({ data, closed });
    });
    (async () => {
      for (const c of chunks) {
        if (s.destroyed) break;
        s.write(c);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
      setTimeout(() => {
        if (!closed) {
          resolve({ data, closed });
          s.destroy();
        }
      }, opts.waitMs ?? 1500);
    })();
  });
}

const status = (data: string) => data.split('\r\n')[0];
const BOOK = 'Kiada version 0.1. Request processed by "kiada". Client IP: 127.0.0.1\n';

describe('hardening', () => {
  const cases: [string, (string | Buffer)[], string][] = [
    ['a bad request line', ['GARBAGE\r\n\r\n'], 'HTTP/1.1 400 Bad Request'],
    ['an invalid header byte', ['GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n'], 'HTTP/1.1 400 Bad Request'],
    ['a header name with spaces', ['GET / HTTP/1.1\r\nBad Header: x\r\n\r\n'], 'HTTP/1.1 400 Bad Request'],
    ['64 KB of headers', [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`], 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['an absurd Content-Length', ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n'], 'HTTP/1.1 400 Bad Request'],
    ['two Content-Lengths', ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'], 'HTTP/1.1 400 Bad Request'],
    // The app answers before reading a body it does not want; the broken body then closes the connection.
    ['a bad chunk size', ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], 'HTTP/1.1 404 Not Found'],
    ['HTTP/1.1 without Host', ['GET / HTTP/1.1\r\n\r\n'], 'HTTP/1.1 400 Bad Request'],
    ['a bad percent-encoding', ['GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 'HTTP/1.1 404 Not Found'],
  ];
  for (const [name, chunks, expected] of cases) {
    it(`answers ${name} with ${expected.slice(9)}`, async () => {
      const r = await raw(chunks);
      expect(status(r.data)).toBe(expected);
      expect(r.data).not.toMatch(/at .+\.(ts|js):\d+/);
    });
  }

  it('answers pipelined requests in order, byte for byte', async () => {
    const r = await raw(['GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    const bodies = r.data.split(/HTTP\/1\.1 /).filter(Boolean).map((resp) => [resp.split('\r\n')[0], resp.split('\r\n\r\n')[1]]);
    expect(bodies).toEqual([['200 OK', BOOK], ['404 Not Found', '/nope not found']]);
  });

  it('cuts a slowloris that dribbles its headers (headers timeout)', async () => {
    const t0 = Date.now();
    const r = await raw(['GET / HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n'], { pauseMs: 150, waitMs: 3000 });
    expect(r.closed).toBe(true);
    expect(status(r.data)).toBe('HTTP/1.1 408 Request Timeout');
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('still answers GET / exactly after all that', async () => {
    const r = await raw(['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(status(r.data)).toBe('HTTP/1.1 200 OK');
    expect(r.data.split('\r\n\r\n')[1]).toBe(BOOK);
  });
});
