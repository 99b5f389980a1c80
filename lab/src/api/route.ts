// Which object a URL names: /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB]], or the same under /apis/GROUP/VERSION.
import { ApiError, KINDS, badRequest, isResource, type Resource } from '../store/index.ts';

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

/** The object or collection of a path under /api/v1 or /apis/GROUP/VERSION, if the lab stores that resource. */
export function parsePath(pathname: string): Route | null {
  const parts = pathname.replace(/\/+$/, '').split('/');
  let p: string[];
  let group = '';
  let version: string;
  if (parts[1] === 'api') [version, p] = [parts[2], parts.slice(3)];
  else if (parts[1] === 'apis') [group, version, p] = [parts[2], parts[3], parts.slice(4)];
  else return null;
  let namespace: string | undefined;
  if (p[0] === 'namespaces' && p.length >= 3) {
    namespace = p[1];
    p.splice(0, 2);
  }
  const resource = p[0];
  if (!isResource(resource) || p.length > 3) return null;
  if (KINDS[resource].group !== group || KINDS[resource].version !== version) return null;
  if (namespace && !KINDS[resource].namespaced) return null;
  return { resource, namespace, name: p[1], sub: p[2] };
}
