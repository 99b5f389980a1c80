// What a write does to the store once admission has checked it: create (into a namespace that exists and is not
// being deleted), replace, patch, dry runs; and the pod's first status.
import type http from 'node:http';
import { ApiError, notFound, type Obj, type Store } from '../store/index.ts';
import { admitCreate, admitReplace, admitPatch, PATCH_TYPES } from './admission.ts';
import { initialStatus } from './pods.ts';
import { admitLimitRanges } from './limitranger.ts';
import { admitQuota } from './quota.ts';
import { admitPodSecurity } from './pod-security.ts';
import { isTerminating, terminatingNamespace } from './namespaces.ts';
import { warn } from './http.ts';
import type { Route } from './route.ts';

/** What kube-apiserver lists when a PATCH comes in another format (installer.go's supportedTypes, in its order). */
const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

const nameIn = (body: unknown): string | undefined => {
  const name = (body as Obj | undefined)?.metadata?.name;
  return typeof name === 'string' && name ? name : undefined;
};

export function create(store: Store, route: Route, q: URLSearchParams, body: unknown, res: http.ServerResponse): Obj {
  const ns = route.namespace ? store.get('namespaces', undefined, route.namespace) : undefined;
  if (route.namespace && !ns) throw notFound('namespaces', route.namespace);
  if (route.namespace && isTerminating(ns)) throw terminatingNamespace(route.resource, nameIn(body), route.namespace);
  const { obj, warnings } = admitCreate(route.resource, route.namespace, body, q);
  warn(res, warnings);
  if (route.resource === 'pods') {
    // The LimitRanger, PodSecurity and ResourceQuota admission plugins, in kube-apiserver's order.
    admitLimitRanges(store, obj);
    const podSecurity = admitPodSecurity(ns, obj);
    if (podSecurity.length) warn(res, [...warnings, ...podSecurity]);
    admitQuota(store, obj);
    obj.status = initialStatus(obj);
  }
  if (route.resource === 'namespaces') obj.status = { phase: 'Active' };
  if (q.get('dryRun') === 'All') return obj;
  return store.create(route.resource, obj);
}

/** PUT (patch false) or PATCH of an object or of its status. */
export function update(store: Store, route: Route, req: http.IncomingMessage, q: URLSearchParams, body: unknown, patch: boolean, res: http.ServerResponse): Obj {
  const cur = store.mustGet(route.resource, route.namespace, route.name!);
  let admitted;
  if (!patch) admitted = admitReplace(route.resource, cur, body, q, route.sub);
  else {
    const type = PATCH_TYPES[(req.headers['content-type'] ?? '').split(';')[0].trim()];
    if (!type) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_MEDIA_TYPES.join(', ')}`);
    admitted = admitPatch(route.resource, cur, type, body, q, route.sub);
  }
  warn(res, admitted.warnings);
  if (q.get('dryRun') === 'All') return admitted.obj;
  return store.update(route.resource, admitted.obj);
}
