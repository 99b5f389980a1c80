// The lab's trace events: what each part of the lab saw of a request to a pod — the tunnel's upgrade, the API
// server handing it on, the kubelet's stream or process, its connection to the pod's loopback, the app's own log
// line — as it happens, so `kiada trace` can list every hop and `kiada view` can draw it. In memory only (the last
// MAX_EVENTS), never written to a file or a log: an exec's command line may hold anything.
//
// Correlation. A request is one *session*: one exec/attach upgrade, one port-forward stream (a kubectl
// port-forward carries many local connections in one upgrade: each is a session `<upgrade>.<n>`), or one request
// only the app saw (a curl from a node or a pod). A client that wants its events back sends a trace id: in the
// `X-Kiada-Trace` header of the upgrade (a real API server ignores it) and as `?trace=<id>` in the URL it asks the
// app for (so the app's log line carries it, on any cluster). The app's line is matched to its session by that id,
// else — for kubectl's own port-forwards and execs — to the latest open session into the same pod whose request
// came over the loopback; else it is a session of its own, its origin told by the client IP (a node's bridge, a
// pod's IP, the pod's own loopback).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TraceEvent, TraceMethod } from '../trace-types.ts';

export const TRACE_HEADER = 'x-kiada-trace';
const TRACE_ID = /^[a-z0-9]{4,32}$/;
const MAX_EVENTS = 2000;
/** How long after it opened a session may still take the app's line of a loopback request. */
const MATCH_WINDOW_MS = 30_000;

export interface PodRef {
  namespace: string;
  pod: string;
  node?: string;
  podIP?: string;
}

interface Session extends PodRef {
  id: string;
  trace?: string;
  owner?: string;
  method: TraceMethod;
  opened: number;
  /** Its request came over the pod's loopback and the app's line has not been matched to it yet. */
  awaitsApp: boolean;
  closed: boolean;
}

export const now = () => performance.timeOrigin + performance.now();

/** A trace id as a client sent it, or undefined when absent or not one. */
export function traceId(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && TRACE_ID.test(v) ? v : undefined;
}

export class TraceRecorder {
  private events: TraceEvent[] = [];
  private sessions: Session[] = [];
  private seq = 0;
  private emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  get resourceVersion(): number {
    return this.seq;
  }

  /** A new session (a request): its events go through the returned function. */
  open(method: TraceMethod, ref: PodRef, opts: { trace?: string; owner?: string; id?: string; loopback?: boolean } = {}) {
    const s: Session = {
      ...ref,
      id: opts.id ?? `${method === 'port-forward' ? 'pf' : method}-${randomBytes(4).toString('hex')}`,
      trace: opts.trace,
      owner: opts.owner,
      method,
      opened: now(),
      awaitsApp: !!opts.loopback,
      closed: false,
    };
    this.sessions.push(s);
    // Trimmed in batches: a busy pod (a load test through port-forward) must not pay a copy per request.
    if (this.sessions.length > 750) this.sessions.splice(0, this.sessions.length - 500);
    return {
      id: s.id,
      record: (hop: string, ok: boolean, detail: string, extra: { error?: string; time?: number; clientIP?: string } = {}) => this.add(s, hop, ok, detail, extra),
      close: (detail: string) => {
        if (s.closed) return;
        s.closed = true;
        this.add(s, 'end', true, detail, {});
      },
    };
  }

  /** An event a client reports about its own side of its trace (its local listener, the node it entered …). */
  recordClient(e: Pick<TraceEvent, 'trace' | 'method' | 'namespace' | 'pod' | 'hop' | 'ok' | 'detail' | 'error' | 'clientIP'> & { time?: number }, owner: string): TraceEvent {
    return this.push({ ...e, session: `client-${e.trace}`, source: 'client', owner, time: e.time ?? now() });
  }

  /**
   * The app's log line `Received request for PATH from IP`: the app hop of the session it belongs to (see the
   * top of this file), or of a session of its own.
   */
  recordApp(ref: PodRef, path: string, clientIP: string, time: number, origin: (ip: string) => { method: TraceMethod; detail: string }): TraceEvent {
    const trace = traceId(new URLSearchParams(path.split('?')[1] ?? '').get('trace'));
    const loopback = /^(::ffff:)?127\.|^::1$/.test(clientIP);
    const same = (s: Session) => s.namespace === ref.namespace && s.pod === ref.pod;
    let s = trace ? this.sessions.findLast((x) => x.trace === trace && same(x) && x.awaitsApp) : undefined;
    if (!s && loopback) s = this.sessions.findLast((x) => same(x) && x.awaitsApp && !x.trace && time - x.opened < MATCH_WINDOW_MS);
    const line = `Received request for ${path} from ${clientIP}`;
    if (s) {
      s.awaitsApp = false;
      return this.add(s, 'app', true, `the app logged "${line}"`, { time, clientIP });
    }
    const o = origin(clientIP);
    const own = this.open(o.method, ref, { trace });
    return own.record('app', true, `the app logged "${line}" (${o.detail})`, { time, clientIP });
  }

  private add(s: Session, hop: string, ok: boolean, detail: string, extra: { error?: string; time?: number; clientIP?: string }): TraceEvent {
    return this.push({
      session: s.id,
      ...(s.trace ? { trace: s.trace } : {}),
      method: s.method,
      namespace: s.namespace,
      pod: s.pod,
      ...(s.node ? { node: s.node } : {}),
      ...(s.podIP ? { podIP: s.podIP } : {}),
      hop,
      ok,
      detail,
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.clientIP ? { clientIP: extra.clientIP } : {}),
      source: 'lab',
      ...(s.owner ? { owner: s.owner } : {}),
      time: extra.time ?? now(),
    });
  }

  private push(e: Omit<TraceEvent, 'seq'>): TraceEvent {
    const event = { ...e, seq: ++this.seq } as TraceEvent;
    this.events.push(event);
    if (this.events.length > MAX_EVENTS * 1.5) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.emitter.emit('event', event);
    return event;
  }

  /** The events kept, oldest first, after `since` (a resourceVersion). */
  list(since = 0): TraceEvent[] {
    return this.events.filter((e) => e.seq > since);
  }

  /** Whether events after `since` may have been dropped (the client must list again, as after a 410). */
  expired(since: number): boolean {
    return this.events.length > 0 && this.events[0].seq > since + 1 && since < this.seq;
  }

  subscribe(fn: (e: TraceEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
