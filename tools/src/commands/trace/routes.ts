// The four routes a traced request takes, each one real request made as the chapter's commands make it, with
// kiada's own side observed on the way (the lab's side is collected afterwards, observations.ts).
import http from 'node:http';
import net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { V1Pod, V1Status } from '@kubernetes/client-node';
import type { Ctx } from '../../lib/context.ts';
import { firstPort, getPod, requireIP, requireRunning, containerOf } from '../../lib/pods.ts';
import { describeError } from '../../lib/errors.ts';
import { runOneOff } from '../../lib/oneoff.ts';
import { chooseProvider } from '../../providers/index.ts';
import { HostNetworkRefused } from '../../providers/generic.ts';
import { hostPort, nodeCurlRequest } from '../../providers/curl.ts';
import type { Observations } from './observations.ts';
import { tracedExec, tracedPortForward } from './tunnel.ts';
import { clientIPIn, seeCurl, tracedCurl, tracedPath } from './curl.ts';

/** curl on the pod's node, through the provider that logs into nodes (the lab: its namespace; kind: docker exec). */
export async function viaNode(ctx: Ctx, pod: V1Pod, obs: Observations, provider?: string): Promise<void> {
  const p = chooseProvider(ctx.contextName, ctx.clusterName, provider);
  const req = await nodeCurlRequest(ctx, pod, firstPort(pod), tracedPath(obs.id));
  const command = p.command(ctx, { ...req, curl: tracedCurl(req.url) });
  ctx.print.command(command.argv);
  // How kiada got onto the node: the words before curl (`kiada lab node-shell kind-worker`, `docker exec kind-worker`).
  const shell = command.argv.slice(0, command.argv.findIndex((w) => /^curl( |$)/.test(w))).filter((w) => w !== '--').join(' ');
  let r;
  try {
    r = await command.run();
  } catch (err) {
    if (err instanceof HostNetworkRefused) obs.refused = err.short;
    return obs.see('node shell', false, `${shell}`, { error: describeError(err) });
  }
  const seen = await seeCurl(obs, 'pod eth0', r.output, obs.now());
  if (!seen) return obs.see('node shell', false, shell, { error: `exited with code ${r.exitCode}${r.output.trim() ? `: ${r.output.trim().slice(0, 300)}` : ''}` });
  obs.see('node shell', true, `${shell}: curl ran on node ${req.nodeName}`, { ms: seen.startMs });
}

/** A one-off client pod (always deleted) runs curl against the pod's IP. */
export async function viaPod(ctx: Ctx, pod: V1Pod, obs: Observations): Promise<void> {
  const args = tracedCurl(`http://${hostPort(requireIP(pod), firstPort(pod))}${tracedPath(obs.id)}`);
  const image = 'curlimages/curl';
  let created = 0;
  let lastOutput = 0;
  let name = '';
  let node: Promise<string | undefined> | undefined;
  let r;
  try {
    r = await runOneOff(ctx, {
      name: `kiada-trace-${obs.id}`,
      image,
      args,
      onCreated: (n) => {
        name = n;
        created = obs.now();
        ctx.print.command(ctx.kubectl('run', `--image=${image}`, '-it', '--restart=Never', '--rm', n, '--', ...args));
      },
      // Its node, read while it still exists (its output comes before it is deleted).
      onOutput: () => {
        lastOutput = obs.now();
        node ??= getPod(ctx, name).then((p) => p.spec?.nodeName, () => undefined);
      },
    });
  } catch (err) {
    return obs.see('client pod', false, name ? `pod ${name} created` : 'creating the client pod', { error: describeError(err) });
  }
  // curl's report came with its output (the pod is deleted after that, which takes a while).
  const seen = await seeCurl(obs, 'pod eth0', r.output, lastOutput || obs.now());
  if (!seen) return obs.see('client pod', false, `pod ${r.name}`, { error: `curl exited with code ${r.exitCode}${r.output.trim() ? `: ${r.output.trim().slice(0, 300)}` : ''}` });
  const on = await node;
  obs.see('client pod', true, `pod ${r.name} created and running${on ? ` on ${on}` : ''} (made at +${created.toFixed(1)} ms; deleted afterwards)`, { ms: seen.startMs });
}

/** `kubectl exec POD -- curl …localhost…`: curl runs inside the pod and asks its loopback. */
export async function viaExec(ctx: Ctx, pod: V1Pod, obs: Observations): Promise<void> {
  requireRunning(pod);
  const name = pod.metadata!.name!;
  const argv = tracedCurl(`localhost:${firstPort(pod)}${tracedPath(obs.id)}`);
  ctx.print.command(ctx.kubectl('exec', name, '--', ...argv));
  let output = '';
  let errors = '';
  const sink = (add: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (add(c.toString()), cb()) });
  let status: V1Status | undefined;
  let end = 0;
  let tunnel: { close(): void } | undefined;
  try {
    // Over when the status comes (after the output), or when the tunnel closes without one.
    await new Promise<void>((resolve, reject) => {
      tracedExec(ctx.kc, obs)
        .exec(ctx.namespace, name, containerOf(pod), argv, sink((s) => (output += s)), sink((s) => (errors += s)), null, false, (s) => {
          status = s;
          end = obs.now();
          resolve();
        })
        .then((ws) => {
          tunnel = ws;
          ws.on('close', () => resolve());
        }, reject);
    });
  } catch (err) {
    // Refused before anything ran: the tunnel's hop has the server's words already, unless the connection failed.
    return obs.see('tunnel', false, 'opening the tunnel to the API server', { error: describeError(err) });
  }
  tunnel?.close();
  end ||= obs.now();
  const exit = status?.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (status && status.status !== 'Success' && !exit) return obs.see('kubelet', false, `running ${argv[0]} in the container`, { error: status.message ?? errors.trim() });
  const seen = await seeCurl(obs, 'pod loopback', output, end);
  obs.see('kubelet', seen !== null, `ran ${argv[0]} in container ${containerOf(pod)}: exit code ${exit ?? 0}`, { ms: seen?.startMs, ...(seen ? {} : { error: errors.trim() || 'curl reported nothing' }) });
}

/** A GET through a local port, with its status line and body. */
function get(port: number, path: string): Promise<{ status: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c)).on('end', () => resolve({ status: `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
  });
}

/** Port-forward as `kiada port-forward` does it (a local listener, client-node's tunnel), then curl that port. */
export async function viaPortForward(ctx: Ctx, pod: V1Pod, obs: Observations): Promise<void> {
  requireRunning(pod);
  const name = pod.metadata!.name!;
  const remote = firstPort(pod);
  const server = net.createServer({ noDelay: true, allowHalfOpen: true });
  const sockets = new Set<net.Socket>();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const local = (server.address() as net.AddressInfo).port;
  ctx.print.command(ctx.kubectl('port-forward', name, `${local}:${remote}`));
  ctx.print.command(['curl', '-s', `localhost:${local}${tracedPath(obs.id)}`]);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    obs.see('local listener', true, `accepted ${socket.remoteAddress}:${socket.remotePort} on 127.0.0.1:${local}`);
    // What the kubelet says on the error channel: the connection to the pod's loopback, or the stream itself.
    const err = new PassThrough();
    err.on('data', (d: Buffer) => {
      const text = d.toString().trim();
      const loopback = /failed to connect to localhost|inside namespace|connection refused/.test(text);
      obs.see(loopback ? 'pod loopback' : 'kubelet', false, loopback ? `connecting to localhost:${remote} inside the pod` : 'opening the stream', { error: text });
      socket.destroy();
    });
    const input = new PassThrough();
    socket.pipe(input, { end: false });
    tracedPortForward(ctx.kc, obs).portForward(ctx.namespace, name, [remote], socket, err, input).then(
      (ws) => {
        const w = typeof ws === 'function' ? ws() : ws;
        socket.on('close', () => w?.close());
        w?.on('close', () => socket.end());
      },
      (e: Error) => {
        obs.see('tunnel', false, 'opening the tunnel to the API server', { error: describeError(e) });
        socket.destroy();
      },
    );
  });
  try {
    const answer = await get(local, tracedPath(obs.id));
    obs.clientIP = clientIPIn(answer.body);
    obs.see('app', true, `answered ${answer.status}`);
  } catch (err) {
    // The hop that failed said so already (the tunnel's refusal, the kubelet's error); otherwise it is the app's.
    if (!obs.failed) obs.see('app', false, 'waiting for the answer', { error: (err as Error).message });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
}
