// The server's request listener. The book's hot path (GET / and /text for text clients) and the probes are
// answered here, before express: its router costs about a fifth of such a request, and loading express costs
// ~14 MB of RSS (see bench/README.md), which a kiada that only curl and the kubelet talk to never needs.
// Everything else — the page, its assets, 404s, other methods, query strings, browsers on / — goes to the
// express app (app.ts), loaded at the first such request.
import type http from 'node:http';
import { createRequire } from 'node:module';
import type { AppOptions } from './app.ts';
import { isGraphicalBrowser, loadPages, sendPlain, textResponse } from './responses.ts';

const require = createRequire(import.meta.url);
// ./app.ts here, ./app.js once compiled into dist/ (what the image runs): the extension of this very file.
const APP_MODULE = `./app${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`;

export function createHandler(opts: AppOptions): http.RequestListener {
  const { hostname, logger, isReady = () => true } = opts;
  // A missing app module or express still stops kiada at start-up, not at a browser's first visit.
  require.resolve(APP_MODULE);
  require.resolve('express');
  // Read at start-up, as before, not when express is loaded: the disk is not touched while serving.
  const pages = opts.pages ?? loadPages();
  let app: http.RequestListener | undefined;
  // Loaded synchronously (require of an ES module), so that express answers within the request's own event, as
  // it did when loaded at start-up: a malformed body after the headers is still met by the app's answer first.
  const loadApp = () => (app ??= (require(APP_MODULE) as typeof import('./app.ts')).createApp({ ...opts, pages }));

  return (req, res) => {
    if (req.method === 'GET') {
      const url = req.url;
      // Probes are not logged: `kubectl logs kiada` should show the reader's requests only, as in the book.
      if (url === '/healthz') return sendPlain(res, 200, 'ok\n');
      if (url === '/readyz') return isReady() ? sendPlain(res, 200, 'ok\n') : sendPlain(res, 503, 'shutting down\n');
      if (url === '/text' || (url === '/' && !isGraphicalBrowser(req.headers.accept))) {
        logger?.line(`Received request for ${url} from ${req.socket.remoteAddress}`);
        return sendPlain(res, 200, textResponse(hostname, req.socket.remoteAddress));
      }
    }
    loadApp()(req, res);
  };
}
