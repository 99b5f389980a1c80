// exec and attach over SPDY/3.1, what kubectl falls back to when the WebSocket upgrade is refused (and what it
// uses with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false). As in the kubelet (cri/streaming/remotecommand/httpstream.go):
// the client opens one stream per part, named by its `streamtype` header (error, stdin, stdout, stderr, resize);
// once all expected streams are there the command runs; at the end the status goes on the error stream
// (v4 and later: a metav1.Status as JSON; older: the error text, nothing on success) and the session closes.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../store/index.ts';
import { SpdySession, type SpdyStream } from './spdy/session.ts';
import { acceptSpdyUpgrade, offeredVersions } from './spdy/upgrade.ts';
import { drained, finalMessage, finishOnExit, startOrFinish, terminalSize, type RemoteCommandOptions } from './remotecommand.ts';
import { rejectUpgrade } from './websocket.ts';

// v5 is v4 on SPDY: the close signal it adds is WebSocket-only, a SPDY stream half-closes by itself.
const SPDY_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
// The kubelet's default streamCreationTimeout.
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function handleSpdyRemoteCommand(req: http.IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions): void {
  // httpstream.Handshake: the first of the client's versions the server knows; none asked for means v1.
  const offered = offeredVersions(req);
  const protocol = offered.length === 0 ? 'channel.k8s.io' : offered.find((p) => SPDY_PROTOCOLS.includes(p));
  if (!protocol) {
    const message = `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${SPDY_PROTOCOLS.join(' ')}]`;
    return rejectUpgrade(socket, 403, 'Forbidden', new ApiError(403, 'Forbidden', message).toStatus());
  }
  const version = protocol === 'channel.k8s.io' ? 1 : Number(protocol[1]);
  const stderr = opts.stderr && !opts.tty; // the kubelet bypasses stderr with a tty: it is all one terminal
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(stderr) + Number(opts.tty && version >= 3);

  acceptSpdyUpgrade(socket, protocol);
  const streams = new Map<string, SpdyStream>();
  const timer = setTimeout(() => session.close(), STREAM_CREATION_TIMEOUT_MS);
  const session = new SpdySession(
    socket,
    (stream) => {
      const type = stream.headers.streamtype ?? '';
      if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type) || streams.has(type)) return stream.destroy();
      streams.set(type, stream);
      if (streams.size < expected) return;
      clearTimeout(timer);
      run(session, streams, opts, version);
    },
    head,
  );
  socket.once('close', () => clearTimeout(timer));
}

function run(session: SpdySession, streams: Map<string, SpdyStream>, opts: RemoteCommandOptions, version: number) {
  const error = streams.get('error')!;
  error.resume(); // the client writes nothing on it
  const finish = (status: object, text: string) => {
    const message = finalMessage(version, status, text);
    if (message) error.write(message);
    // GOAWAY only once every stream has sent its last byte and its FIN.
    const ends = [...streams.values()].map((s) => new Promise((resolve) => s.end(resolve)));
    void Promise.all(ends).then(() => session.goAway());
  };

  const io = startOrFinish(opts, finish);
  if (!io) return;

  const outputs: Promise<void>[] = [];
  const pump = (from: NodeJS.ReadableStream | null, to: SpdyStream | undefined) => {
    if (!from) return;
    outputs.push(drained(from));
    if (to) from.pipe(to, { end: false });
    else from.resume();
  };
  pump(io.stdout, streams.get('stdout'));
  pump(io.stderr, streams.get(opts.tty ? 'stdout' : 'stderr'));

  const stdin = streams.get('stdin');
  io.stdin?.on('error', () => {});
  if (stdin && io.stdin) stdin.pipe(io.stdin); // the client's FIN (stdin at EOF) ends the process's stdin
  else stdin?.resume();

  // Resize events: JSON objects one after another, as Go's json.Encoder writes them (newline-terminated).
  const resize = streams.get('resize');
  let pendingResize = '';
  resize?.on('data', (d: Buffer) => {
    const lines = (pendingResize + d.toString()).split('\n');
    pendingResize = lines.pop() ?? '';
    for (const line of lines) {
      const size = terminalSize(line);
      if (size) io.resize(size.width, size.height);
    }
  });

  // The client went away (Ctrl-C on kubectl): the exec'd process goes too.
  session.onClose(finishOnExit(io, outputs, finish));
}
