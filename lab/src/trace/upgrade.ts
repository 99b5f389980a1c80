// The lab's side of exec, attach and port-forward, as trace events: the API server handing the upgrade on, the
// tunnel's answer (read off the wire: the first bytes the lab writes back are the 101 or the error), the kubelet
// opening each port-forward stream or starting the process, and its connection to the pod's loopback.
// Observed from around the protocol code (wrapping what it is given), never from inside it.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Obj } from '../store/index.ts';
import { ApiError } from '../store/index.ts';
import type { ContainerIO } from '../kubelet/index.ts';
import { TRACE_HEADER, now, traceId, type TraceRecorder, type PodRef } from './recorder.ts';

/** Who asked: a hash of the credentials (never the credentials), so an event is shown only to whoever made it. */
export function identityOf(req: http.IncomingMessage): string {
  return createHash('sha256').update(String(req.headers.authorization ?? '')).digest('hex').slice(0, 16);
}

export const podRef = (pod: Obj): PodRef => ({
  namespace: pod.metadata.namespace,
  pod: pod.metadata.name,
  ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
});

/** What the first bytes written back say: the protocol the tunnel was upgraded to, or why it was refused. */
function describeAnswer(head: string): { ok: boolean; text: string } {
  const status = /^HTTP\/1\.1 (\d+) ([^\r\n]*)/.exec(head);
  if (!status) return { ok: false, text: 'no HTTP answer' };
  const header = (name: string) => new RegExp(`\\r\\n${name}: ([^\\r\\n]*)`, 'i').exec(head)?.[1];
  if (status[1] === '101') {
    const ws = header('Sec-WebSocket-Protocol');
    if (ws) return { ok: true, text: `101 Switching Protocols: WebSocket, subprotocol ${ws}` };
    return { ok: true, text: `101 Switching Protocols: ${header('Upgrade') ?? '?'} (${header('X-Stream-Protocol-Version') ?? 'no version'})` };
  }
  const body = head.slice(head.indexOf('\r\n\r\n') + 4);
  let message = `${status[1]} ${status[2]}`;
  try {
    message = JSON.parse(body).message ?? message;
  } catch {
    /* not a Status */
  }
  return { ok: false, text: message };
}

/**
 * Starts observing one upgrade that the API server accepted (authenticated, pod found and running). Gives the
 * wrappers for what the protocol code is handed: `connect` (port-forward, one session per stream) and `start`
 * (exec, attach).
 */
export function traceUpgrade(rec: TraceRecorder, kind: 'exec' | 'attach' | 'portforward', pod: Obj, req: http.IncomingMessage, socket: Duplex) {
  const arrived = now();
  const ref = podRef(pod);
  const trace = traceId(req.headers[TRACE_HEADER]);
  const owner = identityOf(req);
  const method = kind === 'portforward' ? 'port-forward' : kind;
  const upgrade = rec.open(method, ref, { trace, owner, loopback: kind === 'exec' });
  const where = `pod ${ref.namespace}/${ref.pod} is Running on ${ref.node ?? 'its node'}`;
  // The tunnel's answer is the first thing written on the socket: read it there, then step aside.
  const write = socket.write;
  socket.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]) {
    socket.write = write;
    const a = describeAnswer(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
    upgrade.record('tunnel', a.ok, a.ok ? a.text : 'the upgrade was refused', { time: arrived, ...(a.ok ? {} : { error: a.text }) });
    if (a.ok) upgrade.record('API server', true, `authenticated; ${where}: handed to its kubelet`, { time: arrived + 0.001 });
    if (kind !== 'portforward') socket.once('close', () => upgrade.close('the tunnel closed'));
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as typeof socket.write;

  let streams = 0;
  return {
    /** One port-forward stream (one local connection): the kubelet opens it, then connects to the pod's loopback. */
    connect: (port: number, connect: (port: number) => Promise<Duplex>): Promise<Duplex> => {
      const s = rec.open('port-forward', ref, { trace, owner, id: `${upgrade.id}.${++streams}`, loopback: true });
      const opened = now();
      const stream = `port-forward stream for port ${port} opened by the kubelet on ${ref.node ?? 'the node'}`;
      return connect(port).then(
        (up) => {
          s.record('kubelet', true, stream, { time: opened });
          s.record('pod loopback', true, `connected to localhost:${port} inside the pod's network namespace`);
          up.once('close', () => s.close('the stream closed'));
          return up;
        },
        (err: Error) => {
          // An ApiError is the kubelet refusing the stream; anything else is its connection failing.
          if (err instanceof ApiError) s.record('kubelet', false, stream, { time: opened, error: err.message });
          else {
            s.record('kubelet', true, stream, { time: opened });
            s.record('pod loopback', false, `connecting to localhost:${port} inside the pod's network namespace`, { error: err.message });
          }
          s.close('the stream failed');
          throw err;
        },
      );
    },
    /** exec or attach: the kubelet starts the process (or attaches to the container's). */
    start: (what: string, start: () => ContainerIO): ContainerIO => {
      const at = now();
      try {
        const io = start();
        upgrade.record('kubelet', true, what, { time: at });
        void io.exitCode.then((code) => upgrade.close(`exited with code ${code}`));
        return io;
      } catch (err) {
        upgrade.record('kubelet', false, what, { time: at, error: (err as Error).message });
        throw err;
      }
    },
  };
}
