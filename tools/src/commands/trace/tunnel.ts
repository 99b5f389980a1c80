// The tunnel to the API server as client-node opens it for exec and port-forward, with two additions for a trace:
// the `X-Kiada-Trace` header (the lab ties its events to it; a real API server ignores it) and an eye on the
// handshake — the 101 and its protocol, or the refusal with the server's own message.
import WebSocket from 'ws';
import { Exec, PortForward, type KubeConfig } from '@kubernetes/client-node';
import type { Observations } from './observations.ts';

type Factory = (uri: string, protocols: string[], opts: WebSocket.ClientOptions) => WebSocket;
type Handler = ConstructorParameters<typeof Exec>[1];

/**
 * client-node's WebSocketHandler with our socket factory. The package does not export the class; every Exec holds
 * one, so it is taken from there rather than copied.
 */
function handlerWith(kc: KubeConfig, factory: Factory): NonNullable<Handler> {
  const Handler = (new Exec(kc) as unknown as { handler: { constructor: new (kc: KubeConfig, f: Factory) => NonNullable<Handler> } }).handler.constructor;
  return new Handler(kc, factory);
}

/** The server's message in a refused upgrade's body (a Status), or its status line. */
function refusal(code: number, message: string, body: string): string {
  try {
    const status = JSON.parse(body);
    if (status?.kind === 'Status' && status.message) return status.message;
  } catch {
    /* not JSON */
  }
  return `${code} ${message}${body ? `: ${body.trim().slice(0, 300)}` : ''}`;
}

export function tracedHandler(kc: KubeConfig, obs: Observations): NonNullable<Handler> {
  return handlerWith(kc, (uri, protocols, opts) => {
    const ws = new WebSocket(uri, protocols, { ...opts, headers: { ...opts.headers, 'X-Kiada-Trace': obs.id } });
    ws.once('upgrade', (res) => obs.see('tunnel', true, `${res.statusCode} ${res.statusMessage}: WebSocket, subprotocol ${res.headers['sec-websocket-protocol'] ?? 'none'}`));
    // A refusal: its body is read for the server's words, then the handshake fails as ws would fail it.
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.length + body.length < 64 * 1024 ? c : ''));
      res.once('end', () => {
        const why = refusal(res.statusCode ?? 0, res.statusMessage ?? '', body);
        obs.see('tunnel', false, 'the upgrade was refused', { error: why });
        req.destroy(new Error(why));
      });
    });
    return ws;
  });
}

export const tracedPortForward = (kc: KubeConfig, obs: Observations) => new PortForward(kc, true, tracedHandler(kc, obs));
export const tracedExec = (kc: KubeConfig, obs: Observations) => new Exec(kc, tracedHandler(kc, obs));
