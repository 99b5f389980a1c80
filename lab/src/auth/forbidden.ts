// The 403 kube-apiserver sends when authorization says no, byte for byte: forbiddenMessage and Forbidden of
// k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go, wrapped by apierrors.NewForbidden.
import { goErrorf, goQuote } from './go-format.ts';
import type { Attributes } from './rbac.ts';

// Avoid emitting errors that look like valid HTML (errors.go's sanitizer). Quotes are okay.
const sanitize = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `User "u" cannot list resource "pods" in API group "" in the namespace "ns"`, and its other forms. */
export function forbiddenMessage(a: Attributes): string {
  const user = goQuote(a.user?.name ?? '');
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${goQuote(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  const scope = a.namespace ? `in the namespace ${goQuote(a.namespace)}` : 'at the cluster scope';
  return `User ${user} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup ?? '')} ${scope}`;
}

export interface ForbiddenStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'Forbidden';
  details: { name?: string; group?: string; kind?: string };
  code: 403;
}

/**
 * The Status body: `pods "kiada" is forbidden: User …` (the group-qualified resource, without the subresource; the
 * name when the request has one), `pods is forbidden: …` without a name, `forbidden: …` for a path. The reason,
 * when the authorizer gave one (a binding to a missing role), follows after ": ".
 */
export function forbiddenStatus(a: Attributes, reason = ''): ForbiddenStatus {
  const msg = sanitize(forbiddenMessage(a));
  const err = goErrorf(reason ? `${msg}: ${reason}` : msg);
  const resource = a.resourceRequest ? (a.resource ?? '') : '';
  const group = a.resourceRequest ? (a.apiGroup ?? '') : '';
  const name = a.resourceRequest ? (a.name ?? '') : '';
  const qualified = group ? `${resource}.${group}` : resource;
  // GroupResource.Empty(): no group and no resource.
  const message = !resource && !group ? `forbidden: ${err}` : name ? `${qualified} ${goQuote(name)} is forbidden: ${err}` : `${qualified} is forbidden: ${err}`;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Forbidden',
    // StatusDetails fields are omitempty.
    details: { ...(name ? { name } : {}), ...(group ? { group } : {}), ...(resource ? { kind: resource } : {}) },
    code: 403,
  };
}
