// The HTTP contract of kiada 0.1, as in the book: text for curl, a page for browsers, 404 for the rest. The server
// loads this module (and express with it) at the first request its hot path does not answer (handler.ts).
import express from 'express';
import type { Request, Response, NextFunction } from 'express';
import { VERSION, type Logger } from './log.ts';
import { ASSETS, isGraphicalBrowser, loadPages, noSniff, send, textResponse, type Pages } from './responses.ts';

export interface AppOptions {
  hostname: string;
  logger?: Logger;
  /** Asked by /readyz; false once shutdown has started. */
  isReady?: () => boolean;
  /** The page and its assets; read now if not given. */
  pages?: Pages;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function createApp({ hostname, logger, isReady = () => true, pages = loadPages() }: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(noSniff);
  const { template, assets } = pages;

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
