// The OpenAPI documents kubectl reads: v2 (JSON, or protobuf as kubectl 1.27/1.28 ask for it) and the v3 index
// with one document per group-version (kubectl 1.29+: explain, apply's patches, field validation). Built once, on
// first use, from the models the decode uses; each v3 document is named by the hash of its bytes, as kube-apiserver
// names them, so kubectl's cache never keeps an older one.
import type http from 'node:http';
import { createHash } from 'node:crypto';
import { openapiV2, openapiV3, V3_GROUP_VERSIONS } from './openapi-docs.ts';
import { encodeOpenApiV2 } from './openapi-proto.ts';

const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

interface Doc { body: Buffer; type: string; etag: string }
const doc = (body: Buffer, type: string): Doc => ({ body, type, etag: `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"` });

let v2json: Doc | undefined;
let v2proto: Doc | undefined;
let v3: Map<string, Doc> | undefined;

function v3docs(): Map<string, Doc> {
  v3 ??= new Map(V3_GROUP_VERSIONS.map((gv) => [gv, doc(Buffer.from(JSON.stringify(openapiV3(gv))), 'application/json')]));
  return v3;
}

function v3index(): Doc {
  const paths = Object.fromEntries([...v3docs()].map(([gv, d]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.etag.slice(1, -1)}` }]));
  return doc(Buffer.from(JSON.stringify({ paths })), 'application/json');
}

function pick(path: string, accept: string | undefined): Doc | undefined {
  if (path === '/openapi/v2') {
    if (accept?.includes(PROTOBUF_V2)) return (v2proto ??= doc(encodeOpenApiV2(openapiV2()), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'));
    return (v2json ??= doc(Buffer.from(JSON.stringify(openapiV2())), 'application/json'));
  }
  if (path === '/openapi/v3') return v3index();
  if (path.startsWith('/openapi/v3/')) return v3docs().get(path.slice('/openapi/v3/'.length));
  return undefined;
}

/** Builds the v3 documents now (kubectl's first apply asks for them at once): the server calls it once idle. */
export function prepareOpenApiV3(): void {
  v3docs();
}

/** Answers GET of an OpenAPI path (the schema must have loaded); false if `path` is none. */
export function serveOpenApi(path: string, accept: string | undefined, res: http.ServerResponse): boolean {
  const d = pick(path, accept);
  if (!d) return false;
  res.writeHead(200, { 'Content-Type': d.type, 'Content-Length': d.body.length, ETag: d.etag, 'Cache-Control': 'no-cache, private', Vary: 'Accept' });
  res.end(d.body);
  return true;
}
