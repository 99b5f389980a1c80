// What one traced request was seen doing: kiada's own observations (its listener, the tunnel's answer, curl's
// report) and, on the lab, the lab's (the API server, the kubelet, the pod's loopback, the app's log line), on one
// clock: milliseconds from the start of the request.
import type { Ctx } from '../../lib/context.ts';
import { HOPS, makeTrace, type Method, type Observation, type Trace } from '../../lib/hops.ts';
import type { ClientEvent, LabEvent, LabTraces } from './lab-api.ts';

/** The hops the lab reports for each route (it does not see kiada's own side, nor a curl's connection). */
const LAB_HOPS: Record<Method, string[]> = {
  node: ['app'],
  pod: ['app'],
  'port-forward': ['tunnel', 'API server', 'kubelet', 'pod loopback', 'app'],
  exec: ['tunnel', 'API server', 'kubelet', 'app'],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Observations {
  readonly start = performance.now();
  /** The start as milliseconds since the epoch: the lab's events are timed so. */
  readonly epochStart = performance.timeOrigin + this.start;
  private own = new Map<string, Observation>();
  private lab = new Map<string, Observation>();
  private posts: Promise<void>[] = [];
  clientIP: string | null = null;
  /** curl reported the app's answer (before kiada records the app's hop, which waits for the lab's time of it). */
  answered = false;
  /** The route was refused by policy before its request was made (why, in one line): nothing on it was tested. */
  refused: string | null = null;

  private ctx: Ctx;
  readonly method: Method;
  readonly pod: string;
  /** The trace id: in the upgrade's X-Kiada-Trace header and in the URL asked (`/?trace=<id>`). */
  readonly id: string;
  readonly labApi: LabTraces | null;
  /** Not the lab: where a running `kiada view` takes kiada's observations (none when no view runs). */
  private viewReport: ((e: ClientEvent) => Promise<void>) | null;

  constructor(ctx: Ctx, method: Method, pod: string, id: string, labApi: LabTraces | null, viewReport: ((e: ClientEvent) => Promise<void>) | null = null) {
    this.ctx = ctx;
    this.method = method;
    this.pod = pod;
    this.id = id;
    this.labApi = labApi;
    this.viewReport = labApi ? null : viewReport;
  }

  /** Milliseconds since the start. */
  now(): number {
    return performance.now() - this.start;
  }

  /**
   * kiada's own observation of a hop (at `ms`, default now). On the lab, a hop the lab does not see itself (kiada's
   * listener, the node it entered, the client pod, curl's connection) is reported there, for `kiada view` to draw.
   */
  see(hop: string, ok: boolean, detail: string, opts: { error?: string; ms?: number } = {}): void {
    if (!(HOPS[this.method] as string[]).includes(hop)) throw new Error(`no hop "${hop}" on the ${this.method} route`);
    const prior = this.own.get(hop);
    if (prior && !prior.ok) return; // the first failure stands
    const ms = opts.ms ?? this.now();
    this.own.set(hop, { ok, ms, detail, ...(opts.error !== undefined ? { error: opts.error } : {}) });
    const e: ClientEvent = {
      trace: this.id, method: this.method, namespace: this.ctx.namespace, pod: this.pod, hop, ok, detail, time: this.epochStart + ms,
      ...(opts.error !== undefined ? { error: opts.error } : {}),
      ...(hop === 'app' && this.clientIP ? { clientIP: this.clientIP } : {}),
    };
    if (this.labApi && !LAB_HOPS[this.method].includes(hop)) this.posts.push(this.labApi.post(e).catch(() => undefined));
    else if (this.viewReport) this.posts.push(this.viewReport(e).catch(() => undefined));
  }

  /** When the lab saw this hop (ms since the start), if it did. */
  labTime(hop: string): number | undefined {
    return this.lab.get(hop)?.ms;
  }

  get failed(): boolean {
    return [...this.own.values(), ...this.lab.values()].some((o) => !o.ok);
  }

  private takeLab(events: LabEvent[]): void {
    for (const e of events) {
      if (e.source !== 'lab' || !(HOPS[this.method] as string[]).includes(e.hop)) continue;
      const prior = this.lab.get(e.hop);
      if (prior && !prior.ok) continue;
      this.lab.set(e.hop, { ok: e.ok, ms: e.time - this.epochStart, detail: e.detail, ...(e.error !== undefined ? { error: e.error } : {}) });
      if (e.hop === 'app' && e.clientIP) this.clientIP ??= e.clientIP;
    }
  }

  /**
   * On the lab, its side of every hop: asked until every hop it reports is in (or one failed), for at most 3 s —
   * 1 s once the app was seen answering: its log line comes a moment after, if it logs one (the book's app does).
   */
  async collectLab(): Promise<void> {
    if (!this.labApi) return;
    const expected = LAB_HOPS[this.method];
    const end = Date.now() + (this.own.get('app')?.ok || this.answered ? 1000 : 3000);
    for (;;) {
      this.takeLab((await this.labApi.list(this.id)).items);
      const done = expected.every((h) => this.lab.has(h)) || [...this.lab.values()].some((o) => !o.ok);
      if (done || Date.now() > end || (this.failed && Date.now() > end - 2500)) break;
      await sleep(50);
    }
  }

  /** Adds a line the app logged for this request (read from its log on a cluster that is not the lab). */
  appLogged(line: string): void {
    this.lab.set('app', { ok: true, ms: this.own.get('app')?.ms ?? this.now(), detail: `the app logged "${line}"` });
  }

  /** The trace: per hop the lab's view where it has one (the component's own), kiada's otherwise; both for the app. */
  async result(): Promise<Trace> {
    await Promise.all(this.posts);
    const seen = new Map<string, Observation>();
    for (const hop of HOPS[this.method]) {
      const own = this.own.get(hop);
      const lab = this.lab.get(hop);
      const failed = [lab, own].find((o) => o && !o.ok);
      if (failed) seen.set(hop, failed);
      else if (own && lab && hop === 'app') seen.set(hop, { ok: true, ms: Math.min(own.ms, lab.ms), detail: `${own.detail}; ${lab.detail}` });
      else if (lab ?? own) seen.set(hop, (lab ?? own)!);
    }
    return makeTrace(this.method, this.pod, seen, this.clientIP);
  }
}
