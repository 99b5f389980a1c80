// `kiada port-forward [POD] [[LOCAL:]REMOTE|NAME…]`: local listeners on 127.0.0.1 and ::1, each connection
// carried to the pod's loopback, printing kubectl's lines. As kubectl 1.32: one WebSocket tunnel with SPDY
// streams for all connections (spdy-tunnel.ts); where the server cannot tunnel SPDY (before Kubernetes 1.31),
// client-node's PortForward, a WebSocket per connection.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { PortForward } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import { getPod, requireRunning, resolvePort } from '../lib/pods.ts';
import { CliError, describeError } from '../lib/errors.ts';
import { watchPodGone } from '../lib/pod-gone.ts';
import { onStopSignal } from '../lib/signals.ts';
import { SpdyTunnel } from '../lib/spdy-tunnel.ts';

export interface Forward {
  local: number;
  remote: number;
}

export function parsePortSpec(spec: string): { local: string; remote: string } {
  const m = /^(\d*):?([A-Za-z0-9-]+)$/.exec(spec);
  const parts = spec.split(':');
  if (!m || parts.length > 2 || parts[parts.length - 1] === '') throw new CliError(`error: invalid port specification "${spec}"`);
  return parts.length === 2 ? { local: parts[0] || '0', remote: parts[1] } : { local: /^\d+$/.test(spec) ? spec : '', remote: spec };
}

export interface RunningForward {
  forwards: Forward[];
  /** Resolves if the pod goes away (deleted, finished, out of reach): the forward can no longer work. */
  lost: Promise<void>;
  close(): Promise<void>;
}

export async function startPortForward(ctx: Ctx, name: string, specs: string[], opts: { address?: string[] } = {}): Promise<RunningForward> {
  const pod = await getPod(ctx, name);
  requireRunning(pod);
  if (specs.length === 0) throw new CliError('error: at least 1 PORT is required for port-forward');
  const addresses = opts.address?.length ? opts.address.flatMap((a) => (a === 'localhost' ? ['127.0.0.1', '::1'] : [a])) : ['127.0.0.1', '::1'];
  ctx.print.command(ctx.kubectl('port-forward', name, ...specs, ...(opts.address?.length ? ['--address', opts.address.join(',')] : [])));
  // Opened before listening, as kubectl dials before it listens; any refusal falls back to client-node.
  const tunnel = await SpdyTunnel.open(ctx.kc, ctx.namespace, name).catch(() => undefined);
  const pf = tunnel ? undefined : new PortForward(ctx.kc, true);
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const forwards: Forward[] = [];
  const podGone = watchPodGone(ctx, pod);
  const close = async () => {
    podGone.stop();
    await tunnel?.close();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };
  try {
    for (const spec of specs) {
      const { local, remote } = parsePortSpec(spec);
      const remotePort = resolvePort(pod, remote);
      let localPort = local === '' ? remotePort : Number(local);
      for (const address of addresses) {
        // noDelay as Go sets it on every TCP connection (kubectl): small answers go out at once.
        const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          // A client that resets its connection (curl ^C, a load tool ending) ends that connection only.
          socket.on('error', () => socket.destroy());
          ctx.print.out(`Handling connection for ${localPort}\n`);
          const failed = (message: string) => {
            process.stderr.write(`E${new Date().toISOString()} an error occurred forwarding ${localPort} -> ${remotePort}: ${message}\n`);
            socket.destroy();
          };
          if (tunnel) return tunnel.forward(socket, remotePort, failed);
          const err = new PassThrough();
          err.on('data', (d: Buffer) => failed(d.toString().trim()));
          // The WebSocket channel protocol has no half-close: a local FIN must not close the whole forward
          // (the answer may still be coming), so the input is the socket without its end; the socket's close
          // closes the forward.
          const input = new PassThrough();
          socket.pipe(input, { end: false });
          pf!.portForward(ctx.namespace, name, [remotePort], socket, err, input).then(
            (ws) => {
              const w = typeof ws === 'function' ? ws() : ws;
              socket.on('close', () => w?.close());
              w?.on('close', () => socket.end());
            },
            (e: Error) => {
              socket.destroy();
              // Refused because the pod is gone (a 404): that ends the whole forward, said once, not per connection.
              void podGone.check().then((gone) => gone || process.stderr.write(`${describeError(e)}\n`));
            },
          );
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', (e: NodeJS.ErrnoException) =>
            reject(new CliError(`Unable to listen on port ${localPort}: ${e.code === 'EADDRINUSE' ? `address ${address.includes(':') ? `[${address}]` : address}:${localPort} already in use` : e.message}`)),
          );
          server.listen({ port: localPort, host: address, ipv6Only: address.includes(':') }, () => resolve());
        });
        localPort = (server.address() as net.AddressInfo).port;
        servers.push(server);
        ctx.print.out(`Forwarding from ${address.includes(':') ? `[${address}]` : address}:${localPort} -> ${remotePort}\n`);
      }
      forwards.push({ local: localPort, remote: remotePort });
    }
  } catch (err) {
    await close();
    throw err;
  }
  // The tunnel closed by the server or the network is a lost pod too, as kubectl's "lost connection to pod".
  const tunnelLost = tunnel?.closed.then(({ lost }) => (lost ? undefined : new Promise<void>(() => {})));
  return { forwards, lost: tunnelLost ? Promise.race([podGone.gone, tunnelLost]) : podGone.gone, close };
}

export async function portForward(ctx: Ctx, name: string, specs: string[], opts: { address?: string[] }): Promise<void> {
  const running = await startPortForward(ctx, name, specs, opts);
  // Runs until Ctrl-C, SIGTERM or the terminal closing (exit 0), or until the pod is gone: then, as kubectl,
  // "error: lost connection to pod" and exit 1. Either way every listener and connection is closed first.
  let offSignal = () => {};
  const end = await new Promise<'stopped' | 'lost'>((resolve) => {
    offSignal = onStopSignal(() => resolve('stopped'));
    void running.lost.then(() => resolve('lost'));
  });
  offSignal();
  await running.close();
  if (end === 'lost') throw new CliError('error: lost connection to pod');
}
