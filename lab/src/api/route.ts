// Which object a URL names: /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB]].
import { ApiError, NAMESPACED, badRequest, type Resource } from '../store/index.ts';

export interface Route {
  resource: Resource;
  namespace?: string;
  name?: string;
  sub?: string;
}

export const NOT_FOUND = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
export const METHOD_NOT_ALLOWED = () => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export function parseUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'https://127.0.0.1');
  } catch {
    throw badRequest(`malformed request URL: ${JSON.stringify(raw)}`);
  }
}

export function parsePath(pathname: string): Route | null {
  const p = pathname.replace(/\/+$/, '').split('/').slice(3);
  if (pathname.split('/')[1] !== 'api' || pathname.split('/')[2] !== 'v1') return null;
  let namespace: string | undefined;
  if (p[0] === 'namespaces' && p.length >= 3) {
    namespace = p[1];
    p.splice(0, 2);
  }
  const resource = p[0] as Resource;
  if (!Object.hasOwn(NAMESPACED, resource) || p.length > 3) return null;
  if (namespace && !NAMESPACED[resource]) return null;
  return { resource, namespace, name: p[1], sub: p[2] };
}
