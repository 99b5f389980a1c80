// What a request asks for, in the authorizer's terms: RequestInfoFactory.NewRequestInfo of
// k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (prefixes "api" and "apis", "api" without a group).
//   GET/HEAD on an object = get, on a collection = list (watch with ?watch=true|1|…, or /watch/ in the path),
//   POST = create, PUT = update, PATCH = patch, DELETE on an object = delete, on a collection = deletecollection.
// exec, attach and portforward are subresources of pods like any other: POST (kubectl's SPDY) is `create`,
// GET (the WebSocket upgrade of kubectl ≥ 1.30 and of client-node) is `get`. Kubernetes 1.35 adds, for those
// three WebSocket GETs, a second check of `create` (feature gate AuthorizePodWebsocketUpgradeCreatePermission,
// beta, on): `connectCreateCheck` gives it; the lab, which answers as v1.32, does not apply it.
import { parseFieldSelector } from '../store/field-selectors.ts';
import type { Attributes } from './rbac.ts';
import type { UserInfo } from './users.ts';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** path.IsValidPathSegmentName: a name that can be a path segment. */
const validSegment = (name: string) => name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');

/**
 * The request info of `method url` (url: path and query, as on the request line). A path that is not a resource
 * (/healthz, /api, /apis/apps/v1) is a non-resource request whose verb is the lower-case method.
 */
export function requestInfo(method: string, url: string): RequestInfo {
  // An absolute-form request line (`GET http://host/api`): Go's URL.Path is its path.
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (absolute) url = url.slice(absolute[0].length) || '/';
  // Split by hand: WHATWG URL parsing would resolve "..", and take "//x" for a host.
  const q = url.indexOf('?');
  const rawPath = (q < 0 ? url : url.slice(0, q)).split('#')[0];
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1).split('#')[0]);
  // Go's URL.Path is the decoded path.
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // kept as sent: Go would have refused the request line before this
  }
  const info: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  let parts = trimmed ? trimmed.split('/') : [];
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);

  if (SPECIAL_VERBS.has(parts[0])) {
    // Go returns an error here ("unable to determine kind and namespace from url"), with what it knows so far.
    if (parts.length < 2) return info;
    info.verb = parts[0];
    parts = parts.slice(1);
  } else {
    info.verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  if (parts.length >= 3 && info.verb !== 'proxy') info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];

  if (!info.name && info.verb === 'get') {
    const watch = query.getAll('watch');
    // Convert_Slice_string_To_bool: "0" and "false" (any case) are false, anything else (even "") true.
    info.verb = watch.length && !['false', '0'].includes(watch[0].toLowerCase()) ? 'watch' : 'list';
    // A list or watch of one object by fieldSelector=metadata.name=x is authorized as that object's name. A
    // selector that does not parse makes the options fail to decode: no name then.
    const fs = query.getAll('fieldSelector');
    if (fs.length) {
      try {
        const term = parseFieldSelector(fs[0]).find((t) => t.field === 'metadata.name' && t.equal);
        if (term && validSegment(term.value)) info.name = term.value;
      } catch {
        // no name
      }
    }
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** The authorizer's attributes for a request made by `user`. */
export function attributesFor(user: UserInfo, info: RequestInfo): Attributes {
  if (!info.isResourceRequest) return { user, verb: info.verb, resourceRequest: false, path: info.path };
  return {
    user,
    verb: info.verb,
    resourceRequest: true,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    namespace: info.namespace,
  };
}

const STREAMING = new Set(['exec', 'attach', 'portforward']);

/**
 * Kubernetes ≥ 1.35: a WebSocket GET to pods/exec, pods/attach or pods/portforward must also be allowed to
 * `create` it. The attributes of that second check, or null when the request needs none.
 */
export function connectCreateCheck(a: Attributes): Attributes | null {
  if (!a.resourceRequest || a.verb !== 'get' || a.resource !== 'pods' || (a.apiGroup ?? '') !== '' || !STREAMING.has(a.subresource ?? '')) return null;
  return { ...a, verb: 'create' };
}
