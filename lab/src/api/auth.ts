// Who is asking: the lab's one bearer token, or nobody. As on kind (anonymous auth on, RBAC's
// system:public-info-viewer), an anonymous request may read /version and the health checks; anything else without
// the token, and every request with a wrong token, is 401 — before its URL is even parsed.
import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../store/index.ts';

export const UNAUTHORIZED = new ApiError(401, 'Unauthorized', 'Unauthorized');

/** system:public-info-viewer's nonResourceURLs the lab serves; exact, so no `..` can lead elsewhere. */
const PUBLIC = /^\/(version|healthz|readyz|livez)(\?.*)?$/;

type Authenticator = (req: http.IncomingMessage) => boolean;

export function bearerAuth(token: string): Authenticator {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req) => {
    const header = req.headers.authorization;
    // No credentials at all: system:anonymous, allowed where the public-info-viewer role allows it.
    if (header === undefined) return req.method === 'GET' && PUBLIC.test(req.url ?? '');
    const got = Buffer.from(header);
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
}
