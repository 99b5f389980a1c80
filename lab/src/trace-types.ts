// The shape of the lab's trace events: as the recorder keeps them (trace/recorder.ts) and as the API serves them
// (trace/api.ts, group lab.kiada.dev/v1), which `kiada trace` and `kiada view` read. Types only: the package exports
// this file so that the tools declare no copy of it, and they import it with `import type` (nothing loads at run
// time; test/boundaries.test.ts checks both).
export type TraceMethod = 'port-forward' | 'exec' | 'attach' | 'node' | 'pod' | 'loopback' | 'other';

export interface TraceEvent {
  /** Increasing with every event: the events' resourceVersion. */
  seq: number;
  /** When it was seen: milliseconds since the epoch, to a microsecond. */
  time: number;
  session: string;
  trace?: string;
  method: TraceMethod;
  namespace: string;
  pod: string;
  node?: string;
  podIP?: string;
  /** The hop's name as `kiada trace` lists it; `end` when the session is over. */
  hop: string;
  ok: boolean;
  detail: string;
  error?: string;
  clientIP?: string;
  /** `lab`: seen by the lab; `client`: reported by the client (kiada trace) about its own side. */
  source: 'lab' | 'client';
  /** Who may read it (a hash of the credentials that made the request); none: whoever may read the pod. */
  owner?: string;
}

/** An event as the API serves it: its seq is its resourceVersion (and in its name); who owns it is not shown. */
export type TraceEventObject = Omit<TraceEvent, 'seq' | 'owner'> & {
  apiVersion: 'lab.kiada.dev/v1';
  kind: 'TraceEvent';
  metadata: { name: string; resourceVersion: string; creationTimestamp: string };
};
