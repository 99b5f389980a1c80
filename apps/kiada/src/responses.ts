// What kiada sends, shared by the server's hot path (handler.ts) and the express app (app.ts). No express here:
// the hot path must not load it.
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from './log.ts';

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public');

/** The book's exact line, newline included. */
export function textResponse(hostname: string, clientIp: string | undefined): string {
  return `Kiada version ${VERSION}. Request processed by "${hostname}". Client IP: ${clientIp}\n`;
}

// Same guess as the book: graphical browsers ask for text/html first, curl sends */*.
export const isGraphicalBrowser = (accept: string | undefined) => (accept ?? '*/*').startsWith('text/html');

// Browsers must take the Content-Type as sent (the 404 page echoes the URL: sniffed as HTML it would be a page an
// attacker wrote), so every response says so; express's own answers (OPTIONS, errors) included.
export function noSniff(_req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next?.();
}

export function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A text/plain answer of the hot path: the same headers, in the same order, as noSniff then send, as one flat
 * list (no header object, no setHeader per request).
 */
export function sendPlain(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, ['X-Content-Type-Options', 'nosniff', 'Content-Type', 'text/plain', 'Content-Length', String(Buffer.byteLength(body))]);
  res.end(body);
}

/** The page template and the static assets, read once at start-up. */
export interface Pages {
  template: string;
  assets: Map<string, { type: string; body: Buffer }>;
}

export const ASSETS: Record<string, string> = {
  '/stylesheet.css': 'text/css; charset=utf-8',
  '/favicon.ico': 'image/x-icon',
  '/favicon.svg': 'image/svg+xml',
  '/cover.svg': 'image/svg+xml',
};

// They are tiny and the app must not touch the disk per request (the container's root filesystem is read-only
// anyway).
export function loadPages(): Pages {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [url, type] of Object.entries(ASSETS)) {
    try {
      assets.set(url, { type, body: readFileSync(path.join(PUBLIC_DIR, url.slice(1))) });
    } catch {
      // an asset that is not there is simply a 404
    }
  }
  return { template: readFileSync(path.join(PUBLIC_DIR, 'index.html'), 'utf8'), assets };
}
