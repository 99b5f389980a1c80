// Hands exec, attach and port-forward upgrades to the protocol code, with the kubelet behind them.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Obj, Store } from './store/index.ts';
import type { Kubelet } from './kubelet/index.ts';
import type { UpgradeHandler, UpgradeKind } from './api/index.ts';
import { handleRemoteCommand } from './stream/remotecommand.ts';
import { handleSpdyRemoteCommand } from './stream/spdy-remotecommand.ts';
import { isSpdyUpgrade } from './stream/spdy/upgrade.ts';
import { handlePortForward } from './stream/portforward.ts';
import type { Tracing } from './trace/index.ts';

export function createUpgradeHandler(kubelet: Kubelet, store: Store, tracing?: Tracing): UpgradeHandler {
  // A forward ends when its pod goes away, as it does on a real cluster: kubectl then says it lost the pod.
  const forwards = new Map<string, Set<Duplex>>();
  store.onChange('pods', (e) => {
    if (e.type !== 'DELETED') return;
    for (const s of forwards.get(e.object.metadata.uid) ?? []) s.destroy();
    forwards.delete(e.object.metadata.uid);
  });
  return (kind: UpgradeKind, pod: Obj, req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const q = new URL(req.url ?? '/', 'https://127.0.0.1').searchParams;
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name;
    // Each step is reported as a trace event (trace/upgrade.ts) around the code that does it.
    const trace = tracing?.upgrade(kind, pod, req, socket);
    if (kind === 'portforward') {
      const uid: string = pod.metadata.uid;
      const set = forwards.get(uid) ?? new Set();
      forwards.set(uid, set.add(socket));
      socket.once('close', () => set.delete(socket));
      const connect = (port: number) => kubelet.portForward(ns, name, port);
      return handlePortForward(req, socket, head, trace ? (port) => trace.connect(port, connect) : connect);
    }
    const flags = {
      stdin: q.get('stdin') === 'true' || q.get('stdin') === '1',
      stdout: q.get('stdout') !== 'false',
      stderr: q.get('stderr') !== 'false',
      tty: q.get('tty') === 'true' || q.get('tty') === '1',
    };
    const container = q.get('container') ?? undefined;
    const run =
      kind === 'exec'
        ? () => kubelet.exec(ns, name, container, q.getAll('command'), { stdin: flags.stdin, tty: flags.tty })
        : () => kubelet.attach(ns, name, container, { stdin: flags.stdin, tty: flags.tty });
    const what = kind === 'exec' ? `started \`${q.getAll('command').join(' ').slice(0, 300)}\` in the pod's namespaces` : 'attached to the container';
    const start = trace ? () => trace.start(what, run) : run;
    if (isSpdyUpgrade(req)) handleSpdyRemoteCommand(req, socket, head, { ...flags, start });
    else handleRemoteCommand(req, socket, head, { ...flags, start });
  };
}
