// Tracing in the lab: the recorder of trace events, what feeds it (upgrades, the app's log lines) and the API
// group that serves it (lab.kiada.dev/v1 traces). See recorder.ts for how events are correlated.
import type http from 'node:http';
import type { Store } from '../store/index.ts';
import type { Kubelet } from '../kubelet/index.ts';
import type { NodeInfo } from '../net/index.ts';
import { TraceRecorder } from './recorder.ts';
import { followAppLogs } from './app-log.ts';
import { serveTraces, type TraceApiOptions } from './api.ts';
import { traceUpgrade } from './upgrade.ts';

export interface Tracing {
  recorder: TraceRecorder;
  /** Serves /apis/lab.kiada.dev/… (a promise), or leaves the request to the API server (false). */
  serve(req: http.IncomingMessage, res: http.ServerResponse): false | Promise<void>;
  upgrade: typeof traceUpgrade extends (rec: TraceRecorder, ...rest: infer A) => infer R ? (...args: A) => R : never;
  stop(): void;
}

export function createTracing(opts: { store: Store; kubelet: Pick<Kubelet, 'logs'>; nodes: Pick<NodeInfo, 'name' | 'index'>[]; mayRead?: TraceApiOptions['mayRead'] }): Tracing {
  const recorder = new TraceRecorder();
  const stop = followAppLogs({ ...opts, recorder });
  return {
    recorder,
    serve: (req, res) => serveTraces({ recorder, mayRead: opts.mayRead }, req, res),
    upgrade: (...args) => traceUpgrade(recorder, ...args),
    stop,
  };
}
