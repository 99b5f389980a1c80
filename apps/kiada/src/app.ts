// The HTTP contract of kiada 0.1, as in the book: text for curl, a page for browsers, 404 for the rest.
import express from 'express';
import type { Request, Response, NextFunction } from 'express';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION, type Logger } from './log.ts';

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public');

export interface AppOptions {
  hostname: string;
  logger?: Logger;
  /** Asked by /readyz; false once shutdown has started. */
  isReady?: () => boolean;
}

/** The book's exact line, newline included. */
export function textResponse(hostname: string, clientIp: string | undefined): string {
  return `Kiada version ${VERSION}. Request processed by "${hostname}". Client IP: ${clientIp}\n`;
}

// Same guess as the book: graphical browsers ask for text/html first, curl sends */*.
const isGraphicalBrowser = (accept: string | undefined) => (accept ?? '*/*').startsWith('text/html');

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Static assets are read once at start-up: they are tiny and the app must not touch the disk per request
// (the container's root filesystem is read-only anyway).
const ASSETS: Record<string, string> = {
  '/stylesheet.css': 'text/css; charset=utf-8',
  '/favicon.ico': 'image/x-icon',
  '/favicon.svg': 'image/svg+xml',
  '/cover.svg': 'image/svg+xml',
};

function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const map = new Map<string, { type: string; body: Buffer }>();
  for (const [url, type] of Object.entries(ASSETS)) {
    try {
      map.set(url, { type, body: readFileSync(path.join(PUBLIC_DIR, url.slice(1))) });
    } catch {
      // an asset that is not there is simply a 404
    }
  }
  return map;
}

// Browsers must take the Content-Type as sent (the 404 page echoes the URL: sniffed as HTML it would be a page an
// attacker wrote), so every response says so; express's own answers (OPTIONS, errors) included.
function noSniff(_req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next?.();
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function createApp({ hostname, logger, isReady = () => true }: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(noSniff);
  const template = readFileSync(path.join(PUBLIC_DIR, 'index.html'), 'utf8');
  const assets = loadAssets();

  // Probes are not logged: `kubectl logs kiada` should show the reader's requests only, as in the book.
  app.get('/healthz', (_req, res) => send(res, 200, 'text/plain', 'ok\n'));
  app.get('/readyz', (_req, res) =>
    isReady() ? send(res, 200, 'text/plain', 'ok\n') : send(res, 503, 'text/plain', 'shutting down\n'),
  );

  app.use((req, _res, next) => {
    logger?.line(`Received request for ${req.originalUrl} from ${req.socket.remoteAddress}`);
    next();
  });

  const text = (req: Request, res: Response) => send(res, 200, 'text/plain', textResponse(hostname, req.socket.remoteAddress));
  app.get('/', (req, res) => {
    if (!isGraphicalBrowser(req.headers.accept)) return text(req, res);
    res.writeHead(302, { Location: 'html', 'Content-Type': 'text/plain' });
    res.end('Redirecting to the html version...');
  });
  app.get('/text', text);
  app.get('/html', (req, res) => {
    const values: Record<string, string> = {
      '{{hostname}}': escapeHtml(hostname),
      '{{clientIP}}': escapeHtml(req.socket.remoteAddress ?? ''),
      '{{version}}': VERSION,
    };
    send(res, 200, 'text/html; charset=utf-8', template.replace(/\{\{(hostname|clientIP|version)\}\}/g, (m) => values[m]!));
  });
  app.get(Object.keys(ASSETS), (req, res, next) => {
    const asset = assets.get(req.path);
    if (!asset) return next();
    res.setHeader('Cache-Control', 'public, max-age=3600');
    send(res, 200, asset.type, asset.body);
  });

  app.use((req, res) => send(res, 404, 'text/plain', `${req.originalUrl} not found`));
  // Never a stack trace to a client: status and a short reason only.
  app.use((err: Error & { status?: number; statusCode?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (res.headersSent) return res.destroy();
    send(res, status >= 400 && status < 600 ? status : 500, 'text/plain', status < 500 ? 'Bad Request\n' : 'Internal Server Error\n');
  });
  return app;
}

/**
 * The request handler the server uses: the book's hot path (GET / and /text for text clients) is answered
 * before express's router, which costs about a fifth of such a request (see bench/README.md); everything
 * else, and the same paths with a query string or for a browser, goes through the express app.
 */
export function createHandler(opts: AppOptions): http.RequestListener {
  const app = createApp(opts);
  return (req, res) => {
    if (req.method === 'GET' && (req.url === '/' || req.url === '/text') && (req.url === '/text' || !isGraphicalBrowser(req.headers.accept))) {
      opts.logger?.line(`Received request for ${req.url} from ${req.socket.remoteAddress}`);
      noSniff(req, res);
      return send(res, 200, 'text/plain', textResponse(opts.hostname, req.socket.remoteAddress));
    }
    app(req, res);
  };
}
