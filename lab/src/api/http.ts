// Small HTTP helpers for the API server: JSON/YAML bodies in, JSON and Status out.
import type http from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '../store/index.ts';
import { isProtobuf, decodeProtobuf } from './protobuf.ts';

const MAX_BODY = 3 * 1024 * 1024;

export function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  sendJsonText(res, code, JSON.stringify(body));
}

/** The same, for a body already serialized (a cached list). */
export function sendJsonText(res: http.ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: http.ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.code, e.toStatus());
}

export function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
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
      try {
        resolve(type.includes('yaml') ? parseYaml(text) : JSON.parse(text));
      } catch (err) {
        reject(badRequest(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (${(err as Error).message.split('\n')[0]})`));
      }
    });
  });
}
