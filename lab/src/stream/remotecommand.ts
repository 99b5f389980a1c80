// exec and attach over the WebSocket remote-command protocols (v5 … v1 channel.k8s.io), as kube-apiserver
// proxies them from the kubelet: binary messages [channel][payload]; 0 stdin, 1 stdout, 2 stderr,
// 3 error/status, 4 resize, 255 close (v5: half-closes a channel, e.g. stdin at EOF).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { ApiError } from '../store/index.ts';
import type { ContainerIO } from '../kubelet/index.ts';
import { acceptWebSocket, isWebSocket, offeredProtocols, pumpToWebSocket, rejectUpgrade } from './websocket.ts';

const REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  start: () => ContainerIO;
}

/** The status message the kubelet puts on channel 3 (v4 and later). */
function exitStatus(code: number): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/**
 * A resize message, {"Width":80,"Height":24}. The kubelet decodes it with Go's encoding/json, whose field names
 * match case-insensitively: client-node sends {"width":…,"height":…}. Malformed ones are ignored, as there.
 */
export function terminalSize(text: string): { width: number; height: number } | null {
  try {
    const o = JSON.parse(text);
    const field = (name: string) => Number(Object.entries(o).find(([k]) => k.toLowerCase() === name)?.[1]);
    const width = field('width');
    const height = field('height');
    return Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 ? { width, height } : null;
  } catch {
    return null;
  }
}

/** What goes on the error channel at the end: v4+ a metav1.Status as JSON; older versions the error text, nothing on success. */
export function finalMessage(version: number, status: object, text: string): string {
  return version >= 4 ? JSON.stringify(status) : text;
}

/** Resolves once a stream has given all it has (or failed). */
export function drained(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
}

/**
 * Once the command has exited and its output has all been sent (`outputs`), ends the session with its status.
 * Returns what to do when the client hangs up first: the command goes too.
 */
export function finishOnExit(io: ContainerIO, outputs: Promise<void>[], finish: (status: object, text: string) => void): () => void {
  let done = false;
  void io.exitCode.then(
    async (code) => {
      await Promise.all(outputs);
      done = true;
      finish(exitStatus(code), code === 0 ? '' : `command terminated with non-zero exit code: ${code}`);
    },
    // The command could not start (runc's exec error): the kubelet's Status ends the session.
    (err) => {
      done = true;
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error).message);
      finish(e.toStatus(), e.message);
    },
  );
  return () => {
    io.stdin?.end();
    if (!done) io.kill();
  };
}

/** Starts the command; if it cannot start (no such container…), ends the session with the error instead. */
export function startOrFinish(opts: RemoteCommandOptions, finish: (status: object, text: string) => void): ContainerIO | undefined {
  try {
    return opts.start();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error).message);
    finish(e.toStatus(), e.message);
    return undefined;
  }
}

export async function handleRemoteCommand(req: http.IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions): Promise<void> {
  const protocol = REMOTECOMMAND_PROTOCOLS.find((p) => offeredProtocols(req).includes(p));
  if (!isWebSocket(req) || !protocol) {
    const message = 'the lab serves exec and attach over WebSocket (v5.channel.k8s.io … channel.k8s.io) or SPDY/3.1; upgrade with one of those';
    return rejectUpgrade(socket, 400, 'Bad Request', new ApiError(400, 'BadRequest', message).toStatus());
  }
  const ws = await acceptWebSocket(req, socket, head, protocol);
  if (!ws) return;
  const version = protocol === 'channel.k8s.io' ? 1 : Number(protocol[1]);
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState !== ws.OPEN) return;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    ws.send(Buffer.concat([Buffer.of(channel), payload]), { binary: true });
  };
  const finish = (status: object, text: string) => {
    const message = finalMessage(version, status, text);
    if (message) send(3, message);
    ws.close(1000);
  };

  const io = startOrFinish(opts, finish);
  if (io) wire(ws, io, opts, version, finish);
}

function wire(
  ws: WebSocket,
  io: ContainerIO,
  opts: RemoteCommandOptions,
  version: number,
  finish: (status: object, text: string) => void,
) {
  const outputs: Promise<void>[] = [];
  const pump = (stream: NodeJS.ReadableStream | null, channel: number, wanted: boolean) => {
    if (!stream) return;
    outputs.push(drained(stream));
    if (wanted) pumpToWebSocket(ws, stream, (d) => Buffer.concat([Buffer.of(channel), d]));
    else stream.resume();
  };
  pump(io.stdout, 1, opts.stdout);
  pump(io.stderr, opts.tty ? 1 : 2, opts.stderr || opts.tty);

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const data = isBinary ? raw : Buffer.from(raw.toString(), 'base64');
    if (data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === 0) io.stdin?.write(payload);
    else if (channel === 4) {
      const size = terminalSize(payload.toString());
      if (size) io.resize(size.width, size.height);
    } else if (channel === 255 && version >= 5 && payload[0] === 0) io.stdin?.end();
  });
  io.stdin?.on('error', () => {});
  ws.on('close', finishOnExit(io, outputs, finish));
}
