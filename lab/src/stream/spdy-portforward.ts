// kubectl port-forward over SPDY: per local connection kubectl opens an "error" stream and a "data" stream
// sharing a requestid; the data stream is piped to the pod's port, and a failure is told on the error stream.
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy/session.ts';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export function servePortForwardSession(io: Duplex, connect: (port: number) => Promise<Duplex>, head?: Buffer): SpdySession {
  const pairs = new Map<string, Pair>();
  const session = new SpdySession(
    io,
    (stream) => {
      const { streamtype, port, requestid = '' } = stream.headers;
      const pair = pairs.get(requestid) ?? {};
      pairs.set(requestid, pair);
      if (streamtype === 'error') {
        pair.error = stream;
        stream.resume(); // kubectl sends nothing on it, and half-closes it at once
      } else if (streamtype === 'data') {
        pair.data = stream;
        void forward(pair, Number(port), requestid);
      } else stream.destroy();
    },
    head,
  );

  async function forward(pair: Pair, port: number, requestid: string) {
    const data = pair.data!;
    // What the client still sends on a stream with no pod connection is read and dropped: a stream left
    // unread would hold its bytes, and the session's transport with them.
    const fail = (message: string) => {
      pair.error?.end(message);
      data.end();
      data.resume();
      pairs.delete(requestid);
    };
    if (!(port > 0 && port < 65536)) return fail(`invalid port: ${port}`);
    let upstream: Duplex;
    try {
      upstream = await connect(port);
    } catch (err) {
      return fail((err as Error).message);
    }
    // Bytes both ways, half-closes passed on; when both directions are done, the error stream closes too.
    data.pipe(upstream);
    upstream.pipe(data);
    let open = 2;
    const done = () => {
      if (--open > 0) return;
      pair.error?.end();
      pairs.delete(requestid);
    };
    data.once('end', done);
    upstream.once('end', done);
    const abort = () => {
      upstream.destroy();
      data.destroy();
      pair.error?.destroy();
      pairs.delete(requestid);
    };
    upstream.once('error', abort);
    data.once('error', abort);
    data.once('close', () => upstream.destroy());
    // The pod's side closed first: the pipe to it is gone, later client bytes are dropped (as above).
    upstream.once('close', () => data.resume());
  }
  return session;
}
