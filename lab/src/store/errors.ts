// metav1.Status errors, shaped exactly as a real API server sends them (kubectl prints them from these fields).
import { KINDS, isResource, qualifiedResource } from './kinds.ts';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason?: string; message: string; field?: string }[];
}

export class ApiError extends Error {
  code: number;
  reason: string;
  details?: StatusDetails;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  toStatus() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** StatusDetails of a named object: its group (when it has one) before its kind, as Go's struct orders them. */
const detailsOf = (resource: string, name: string): StatusDetails => {
  const group = isResource(resource) ? KINDS[resource].group : '';
  return { name, ...(group ? { group } : {}), kind: resource };
};

export const notFound = (resource: string, name: string) =>
  new ApiError(404, 'NotFound', `${qualifiedResource(resource)} "${name}" not found`, detailsOf(resource, name));
export const alreadyExists = (resource: string, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(resource)} "${name}" already exists`, detailsOf(resource, name));
export const conflict = (resource: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${why}`, detailsOf(resource, name));
export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
/** 422 Invalid as field.ErrorList aggregates: one error as is, several (each once) in brackets. */
export const invalid = (resourceOrKind: string, name: string, causes: { field: string; message: string; reason?: string }[]) => {
  // A resource the lab stores, or a kind given as Kind.group (TokenRequest.authentication.k8s.io).
  const info = isResource(resourceOrKind) ? KINDS[resourceOrKind] : undefined;
  const dot = resourceOrKind.indexOf('.');
  const kind = info?.kind ?? (dot > 0 ? resourceOrKind.slice(0, dot) : resourceOrKind);
  const group = info?.group ?? (dot > 0 ? resourceOrKind.slice(dot + 1) : '');
  const text = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  return new ApiError(
    422,
    'Invalid',
    `${group ? `${kind}.${group}` : kind} ${JSON.stringify(name)} is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`,
    { ...(name ? { name } : {}), ...(group ? { group } : {}), ...(kind ? { kind } : {}), causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })) },
  );
};
