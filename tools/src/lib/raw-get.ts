// A GET whose answer client-node's models would reshape: the server-side Table kubectl asks for, and an object
// exactly as the server sent it (the models drop fields they do not know and rewrite timestamps). Authenticated
// as client-node authenticates every call (http-api.ts); a failure is an ApiException, as client-node's.
import type { ApiCtx } from './context.ts';
import { callJson } from './http-api.ts';

/** What kubectl get sends to have the server print the table (then its columns are kubectl's on any cluster). */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export async function getRaw(ctx: ApiCtx, apiPath: string, accept = 'application/json'): Promise<unknown> {
  return callJson(ctx, apiPath, { accept });
}
