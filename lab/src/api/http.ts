// Small HTTP helpers for the API server: JSON/YAML bodies in, JSON and Status out.
import type http from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '../store/index.ts';
import { isProtobuf, decodeProtobuf } from './protobuf.ts';
import { depth } from './schema.ts';

const MAX_BODY = 3 * 1024 * 1024;

export function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  sendJsonText(res, code, JSON.stringify(body));
}

/** The same, for a body already serialized (a cached list). */
export function sendJsonText(res: http.ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Warnings for kubectl to print ("Warning: …"), as kube-apiserver sends them: `299 - "<text>"`. */
export function warn(res: http.ServerResponse, texts: string[]): void {
  // Quoted with every byte a header may carry (field names can hold any character); at most 4 KiB of them.
  const quote = (t: string) => JSON.stringify(t).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const values: string[] = [];
  let size = 0;
  for (const t of texts) {
    const v = `299 - ${quote(t.slice(0, 256))}`;
    if ((size += v.length) > 4096) break;
    values.push(v);
  }
  if (values.length) res.setHeader('Warning', values);
}

export function sendError(res: http.ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The rest of a body too large is not read: the connection ends after the answer (the request drains meanwhile).
  if (e.code === 413) res.setHeader('Connection', 'close');
  sendJson(res, e.code, e.toStatus());
}

const tooLarge = () => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY}`);

/**
 * Deepest nesting a body may have. kube-apiserver's JSON decoder stops at 10000; the lab at 1000, because copying
 * and serializing objects recurses and Node's stack ends at a few thousand levels.
 */
export const MAX_DEPTH = 1000;

/** A client sending more than this after the limit is cut off instead of drained. */
const MAX_DRAIN = 64 * 1024 * 1024;

export function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers['content-length']) > MAX_BODY ? MAX_BODY + 1 : 0;
    // A body over the limit is read to its end and dropped, and only then answered with the 413: a client still
    // writing when the connection closes would see a broken pipe instead of the answer.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else chunks.length = 0;
      if (size > MAX_DRAIN) {
        reject(tooLarge());
        req.destroy();
      }
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY) return reject(tooLarge());
      const raw = Buffer.concat(chunks);
      if (isProtobuf(raw)) {
        try {
          return resolve(decodeProtobuf(raw));
        } catch (err) {
          return reject(badRequest(`the body of the request could not be decoded as protobuf: ${(err as Error).message}`));
        }
      }
      const text = raw.toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      const type = req.headers['content-type'] ?? '';
      let body: unknown;
      try {
        body = type.includes('yaml') ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
      } catch (err) {
        return reject(badRequest(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (${(err as Error).message.split('\n')[0]})`));
      }
      if (depth(body, MAX_DEPTH) > MAX_DEPTH) return reject(badRequest("couldn't get version/kind; json parse error: exceeded max depth"));
      resolve(body);
    });
  });
}
