// The page of `kiada view`, served on 127.0.0.1 only, and only to whoever has its URL: the URL holds a random
// token (other users of the machine can reach 127.0.0.1 too, and the page shows the cluster and every request to
// it), a Host header other than 127.0.0.1/localhost is refused (no DNS rebinding), and every file is the page's own
// (no CDN: it works offline). The cluster's state and the trace events reach the page as server-sent events.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

const PAGE_DIR = path.join(import.meta.dirname, 'page');
const FILES: Record<string, string> = {
  '': 'text/html; charset=utf-8',
  'view.css': 'text/css; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export interface PageServer {
  url: string;
  port: number;
  /** Sends an event to every open page (`state` for the cluster, `trace` for a hop). */
  broadcast(event: string, data: unknown): void;
  close(): Promise<void>;
}

export async function startPageServer(opts: {
  port?: number;
  host?: string;
  initial: () => { event: string; data: unknown }[];
  /** A report POSTed to <url>report by the user's kiada trace (a cluster that does not report hops itself). */
  onReport?: (body: unknown) => void;
}): Promise<PageServer> {
  const token = randomBytes(16).toString('hex');
  const base = `/v/${token}/`;
  const files = new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: fs.readFileSync(path.join(PAGE_DIR, name || 'index.html')) }]));
  const streams = new Set<http.ServerResponse>();
  const host = opts.host ?? '127.0.0.1';
  let port = 0;
  const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  const server = http.createServer((req, res) => {
    const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowed.includes(req.headers.host ?? '')) return void res.writeHead(421, HEADERS).end('misdirected request\n');
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === `${base}report` && opts.onReport) return report(req, res, opts.onReport);
    if (req.method !== 'GET' || !url.startsWith(base)) return void res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain' }).end('not found\n');
    const name = url.slice(base.length).split('?')[0];
    if (name === 'events') {
      res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      for (const e of opts.initial()) res.write(frame(e.event, e.data));
      streams.add(res);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(keepAlive);
        streams.delete(res);
      });
      return;
    }
    const file = files.get(name);
    if (!file) return void res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { ...HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length }).end(file.body);
  });
  function report(req: http.IncomingMessage, res: http.ServerResponse, onReport: (body: unknown) => void) {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 16 * 1024) req.destroy();
    });
    req.on('end', () => {
      try {
        onReport(JSON.parse(body));
        res.writeHead(204, HEADERS).end();
      } catch {
        res.writeHead(400, { ...HEADERS, 'Content-Type': 'text/plain' }).end('a JSON report, please\n');
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    port,
    broadcast(event, data) {
      const text = frame(event, data);
      for (const s of streams) s.write(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
