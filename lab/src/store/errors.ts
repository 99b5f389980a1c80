// metav1.Status errors, shaped exactly as a real API server sends them (kubectl prints them from these fields).
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

const KIND: Record<string, string> = { pods: 'Pod', nodes: 'Node', namespaces: 'Namespace', events: 'Event' };

export const notFound = (resource: string, name: string) =>
  new ApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
export const alreadyExists = (resource: string, name: string) =>
  new ApiError(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
export const conflict = (resource: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, { name, kind: resource });
export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
/** 422 Invalid as field.ErrorList aggregates: one error as is, several (each once) in brackets. */
export const invalid = (resourceOrKind: string, name: string, causes: { field: string; message: string; reason?: string }[]) => {
  const kind = KIND[resourceOrKind] ?? resourceOrKind;
  const text = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  return new ApiError(
    422,
    'Invalid',
    `${kind} ${JSON.stringify(name)} is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`,
    { ...(name ? { name } : {}), ...(kind ? { kind } : {}), causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })) },
  );
};
