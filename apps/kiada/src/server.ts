// Starts kiada on every configured address with hardened limits, and stops it gracefully.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHandler } from './handler.ts';
import { createLogger, type Logger } from './log.ts';

export interface ServerOptions {
  port: number;
  addresses: string[];
  hostname: string;
  logger?: Logger;
  /** How long in-flight requests may take to finish once shutdown starts before they are cut. */
  drainTimeoutMs?: number;
  /** Overrides of LIMITS (the hardening tests use short timeouts). */
  limits?: Partial<typeof LIMITS>;
}

export interface RunningServer {
  port: number;
  servers: http.Server[];
  ready: () => boolean;
  shutdown: () => Promise<void>;
}

// Limits that keep a slow or hostile client from holding the process: a header must arrive within 10 s,
// a whole request within 30 s, headers stay under 16 KiB, idle keep-alive sockets close after 5 s. The
// timeouts are checked every second (Node's default is every 30 s, which would let a slowloris linger).
const LIMITS = { headersTimeout: 10_000, requestTimeout: 30_000, maxHeaderSize: 16 * 1024, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 };

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // ipv6Only false on '::' gives the dual-stack socket that reports IPv4 clients as ::ffff:a.b.c.d.
    server.listen({ port, host, ipv6Only: false }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger();
  let accepting = true;
  const app = createHandler({ hostname: opts.hostname, logger, isReady: () => accepting });
  const handler: http.RequestListener = (req, res) => {
    // Once shutdown starts, answers close their connection so keep-alive clients move on.
    if (!accepting) res.setHeader('Connection', 'close');
    app(req, res);
  };
  const servers: http.Server[] = [];
  let port = opts.port;
  try {
    for (const address of opts.addresses) {
      const limits = { ...LIMITS, ...opts.limits };
      const server = http.createServer({ ...limits, noDelay: true }, handler);
      server.keepAliveTimeout = limits.keepAliveTimeout;
      // Malformed or too slow requests: the status Node's parser error calls for, the connection closed,
      // never a stack trace.
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
        const status =
          err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
          : '400 Bad Request';
        if (socket.writable && !socket.writableEnded) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        socket.destroy();
      });
      servers.push(server);
      // The first server picks the port (0 = any free one), the others take the same.
      port = await listen(server, port, address);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      accepting = false;
      const drain = servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      );
      const timer = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), opts.drainTimeoutMs ?? 10_000);
      // Connections that finish a response while draining become idle; close them as they do.
      const sweep = setInterval(() => servers.forEach((s) => s.closeIdleConnections()), 20);
      await Promise.all(drain);
      clearTimeout(timer);
      clearInterval(sweep);
      logger.flush();
    })());

  return { port, servers, ready: () => accepting, shutdown };
}
