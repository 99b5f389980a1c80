// A GET whose answer client-node's models would reshape: the server-side Table kubectl asks for, and an object
// exactly as the server sent it (the models drop fields they do not know and rewrite timestamps). Authenticated
// as client-node authenticates every call (applyToHTTPSOptions); a failure is an ApiException, as client-node's.
import http from 'node:http';
import https from 'node:https';
import { ApiException } from '@kubernetes/client-node';
import type { Ctx } from './context.ts';

/** What kubectl get sends to have the server print the table (then its columns are kubectl's on any cluster). */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export async function getRaw(ctx: Ctx, apiPath: string, accept = 'application/json'): Promise<unknown> {
  const server = ctx.kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(server.replace(/\/$/, '') + apiPath);
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: accept } };
  await ctx.kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? http : https).request(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c)).on('error', reject).on('end', () => {
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) return reject(new ApiException(code, `GET ${apiPath}`, body, res.headers as Record<string, string>));
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject).end();
  });
}
