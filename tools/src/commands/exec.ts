// `kiada exec [POD] [-it] -- CMD…`: a command in the pod's container, over the API server's exec WebSocket as
// client-node's Exec speaks it (same query, subprotocols and channels), on the ApiCtx's connection
// (websocket-client.ts): so it runs from fast.cjs without client-node's KubeConfig and API models (bench/README.md).
import WebSocket from 'ws';
import { openWebSocket, type Channel, type Handlers } from '../lib/websocket-client.ts';
import type { ApiCtx } from '../lib/context.ts';
import { getPod, requireRunning, containerOf } from '../lib/pods.ts';
import { CliError } from '../lib/errors.ts';
import { podPath } from '../lib/pod-output.ts';

// The channels of k8s.io's remotecommand protocol: the first byte of each message.
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255; // v5: [255, channel] ends that channel (stdin's end)

interface Status {
  status?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export async function exec(ctx: ApiCtx, name: string, argv: string[], opts: { stdin?: boolean; tty?: boolean; container?: string }): Promise<number> {
  if (argv.length === 0) throw new CliError('error: you must specify at least one command for the container');
  const pod = await getPod(ctx, name);
  requireRunning(pod);
  const container = containerOf(pod, opts.container);
  const flags = `${opts.stdin ? 'i' : ''}${opts.tty ? 't' : ''}`;
  ctx.print.command(ctx.kubectl('exec', ...(flags ? [`-${flags}`] : []), name, ...(opts.container ? ['-c', opts.container] : []), '--', ...argv));
  const tty = !!opts.tty && !!process.stdin.isTTY;
  // As client-node's Exec: stderr joins stdout on a terminal; each word of the command a `command` parameter.
  // Encoded as client-node's querystring.stringify does (a space as %20, not +).
  const query = [['stdout', 'true'], ['stderr', String(!tty)], ['stdin', String(!!opts.stdin)], ['tty', String(tty)], ...argv.map((w) => ['command', w]), ['container', container]]
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const { server, options } = await ctx.connection();
  const url = `${server.replace(/\/$/, '').replace(/^http/, 'ws')}${podPath(ctx, name)}/exec?${query}`;
  // As kubectl: the command's own exit code (`command terminated with exit code N`), or, when it could not run
  // (runc found no such command, no such container), the kubelet's message and exit code 1.
  let code = 0;
  let failure: string | undefined;
  let socket: Channel | undefined;
  let statusCame = false;
  let done: (code: number) => void;
  const closed = new Promise<number>((resolve) => (done = resolve));
  const on: Handlers = {
    message: (data) => {
      if (data.length < 1) return;
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === STDOUT) ctx.print.out(body);
      else if (channel === STDERR) process.stderr.write(body);
      else if (channel === CLOSE) {
        if (body[0] === STDIN) process.stdin.pause();
      } else if (channel === STATUS && body.length > 0) {
        const s = JSON.parse(body.toString('utf8')) as Status;
        if (s.status !== 'Success') {
          const exit = s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
          if (exit) code = Number(exit);
          else failure = `error: ${s.message}`;
        }
        statusCame = true;
        socket?.close();
      }
    },
    close: () => done(failure ? 1 : code),
    error: (err) => void (failure ??= `error: ${err.message}`),
  };
  const protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  // On the connection the GET above kept alive (websocket-client.ts); through a proxy, ws and its agent
  // (client-node's). The handlers are there before the first frame: a short command's whole output and its status
  // can come with the 101.
  socket = options.agent ? await viaWs(url, protocols, options, on) : await openWebSocket(new URL(url), protocols, { headers: options.headers as Record<string, string>, tls: options }, on);
  if (statusCame) socket.close(); // the status came with the 101
  if (tty) {
    process.stdin.setRawMode(true);
    // Output processing off too, as kubectl's raw mode (x/term's MakeRaw) turns it off: libuv's keeps ONLCR, which made
    // each \r\n of the pod's terminal \r\r\n on ours. Node has no call for it; stty sets it on the terminal we read.
    // setRawMode(false), or Node at exit, puts back the settings from before setRawMode(true).
    process.getBuiltinModule('node:child_process').spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }
  try {
    const send = (ch: number, chunk: Buffer | string) => {
      if (socket.open) socket.send(Buffer.concat([Buffer.of(ch), Buffer.from(chunk)]));
    };
    if (opts.stdin) {
      process.stdin.on('data', (chunk: Buffer | string) => send(STDIN, chunk));
      process.stdin.on('end', () => {
        if (socket.protocol === 'v5.channel.k8s.io') send(CLOSE, Buffer.of(STDIN));
        else socket.close();
      });
    }
    // Our terminal's size, now and at each change, as client-node sends it: {"height","width"}; as kubectl, only
    // when the container has a terminal (-t) to size. Asked of fd 1 itself: process.stdout, made to ask it, costs a
    // command whose output is a pipe ~1.3 ms.
    if (tty && process.getBuiltinModule('node:tty').isatty(1)) {
      const out = process.stdout;
      const resize = () => send(RESIZE, JSON.stringify({ height: out.rows, width: out.columns }));
      resize();
      out.on('resize', resize);
    }
    await closed;
  } finally {
    if (tty) process.stdin.setRawMode(false);
    if (opts.stdin) process.stdin.pause();
  }
  // Said once our terminal is as it was (output processing on again), as kubectl says it.
  if (failure) process.stderr.write(`${failure}\n`);
  else if (code !== 0) process.stderr.write(`command terminated with exit code ${code}\n`);
  return closed;
}

/** The channel through ws's WebSocket, which takes an agent (a proxy's). */
function viaWs(url: string, protocols: string[], options: object, on: Handlers): Promise<Channel> {
  const ws = new WebSocket(url, protocols, { ...options, perMessageDeflate: false });
  ws.on('message', (data: Buffer, isBinary) => on.message(isBinary ? data : Buffer.from(data)));
  ws.on('close', () => on.close());
  return new Promise((resolve, reject) => {
    ws.once('error', reject).once('open', () => {
      ws.off('error', reject).on('error', (err) => on.error(err));
      resolve({
        protocol: ws.protocol,
        get open() {
          return ws.readyState === WebSocket.OPEN;
        },
        send: (data) => ws.send(data),
        close: () => ws.close(),
      });
    });
  });
}
