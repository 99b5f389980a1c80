// The lab's trace events (group lab.kiada.dev/v1, resource traces), read as any API is: with the kubeconfig's
// credentials, over the cluster's own connection. A real API server answers 404 for that group: that is how kiada
// tells the lab from any other cluster (no guess from names), and then it reports only what it sees itself.
import http from 'node:http';
import https from 'node:https';
import { Watch } from '@kubernetes/client-node';
import type { TraceEventObject } from '@kiada/lab/trace-types.ts';
import type { Ctx } from '../../lib/context.ts';

const BASE = '/apis/lab.kiada.dev/v1';

/** One event as the lab serves it. */
export type LabEvent = TraceEventObject;

/** What kiada reports of its own side, for the lab to show along with its own (kiada view). */
export type ClientEvent = Pick<LabEvent, 'trace' | 'method' | 'namespace' | 'pod' | 'hop' | 'ok' | 'detail' | 'error' | 'clientIP' | 'time'>;

export interface LabTraces {
  /** The events kept (those of one trace id), and the resourceVersion to watch from. */
  list(trace?: string): Promise<{ items: LabEvent[]; resourceVersion: string }>;
  post(e: ClientEvent): Promise<void>;
  /** Every event after `resourceVersion` (without it: those kept first), as it happens; gives the function that stops. */
  watch(onEvent: (e: LabEvent) => void, onEnd: (err?: unknown) => void, resourceVersion?: string): Promise<() => void>;
}

function request(ctx: Ctx, method: string, apiPath: string, body?: unknown): Promise<{ code: number; body: string }> {
  return (async () => {
    const server = ctx.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('no current cluster in the kubeconfig');
    const url = new URL(server.replace(/\/$/, '') + apiPath);
    const data = body === undefined ? undefined : JSON.stringify(body);
    const opts: https.RequestOptions = { method, headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}) } };
    await ctx.kc.applyToHTTPSOptions(opts);
    return new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = (url.protocol === 'http:' ? http : https).request(url, opts, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c)).on('error', reject).on('end', () => resolve({ code: res.statusCode ?? 0, body: text }));
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${apiPath}: no answer within 10 s`)));
      req.on('error', reject).end(data);
    });
  })();
}

/** The lab's trace API if this cluster is the lab, else null (any answer but the lab's resource list). */
export async function labTraces(ctx: Ctx): Promise<LabTraces | null> {
  try {
    const r = await request(ctx, 'GET', BASE);
    if (r.code !== 200 || JSON.parse(r.body).groupVersion !== 'lab.kiada.dev/v1') return null;
  } catch {
    return null;
  }
  return {
    async list(trace) {
      const r = await request(ctx, 'GET', `${BASE}/traces${trace ? `?fieldSelector=${encodeURIComponent(`trace=${trace}`)}` : ''}`);
      if (r.code !== 200) throw new Error(`the lab's trace events: ${r.code} ${r.body}`);
      const list = JSON.parse(r.body);
      return { items: (list.items ?? []) as LabEvent[], resourceVersion: String(list.metadata?.resourceVersion ?? '') };
    },
    async post(e) {
      await request(ctx, 'POST', `${BASE}/traces`, e);
    },
    async watch(onEvent, onEnd, resourceVersion) {
      const params = resourceVersion ? { resourceVersion } : {};
      const abort = await new Watch(ctx.kc).watch(`${BASE}/traces`, params, (_type, obj: LabEvent) => onEvent(obj), (err) => onEnd(err));
      return () => abort.abort();
    },
  };
}
