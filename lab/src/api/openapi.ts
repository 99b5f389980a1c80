// The OpenAPI documents kubectl reads (apply's patches and field validation, explain).
import type http from 'node:http';
import { sendJson } from './http.ts';
import { openapiIndex, openapiV1 } from './discovery.ts';

/** Answers GET of an OpenAPI path; false if `path` is none. */
export function serveOpenApi(path: string, _accept: string | undefined, res: http.ServerResponse): boolean {
  if (path === '/openapi/v3') sendJson(res, 200, openapiIndex);
  else if (path === '/openapi/v3/api/v1') sendJson(res, 200, openapiV1);
  else return false;
  return true;
}
