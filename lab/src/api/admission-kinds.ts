// What admission does for each kind once the body is decoded: its defaults (apiVersion and kind, then the kind's
// own: pod spec defaults, a namespace's name label and finalizer, RBAC groups, LimitRange defaults) and its
// validation (validation.ts for pods and namespaces, validation-access.ts for accounts, quotas, limits and RBAC).
import { KINDS, apiVersionOf, type Obj, type Resource } from '../store/index.ts';
import { defaultPodSpec } from './pods.ts';
import { validatePod, validatePodUpdate, validateNamespace, validateOther, validateMetaUpdate } from './validation.ts';
import { defaultBinding, defaultLimitRange, validateBinding, validateBindingUpdate, validateLimitRange, validateResourceQuota, validateRole, validateServiceAccount } from './validation-access.ts';
import { jsonEqual } from './own-json.ts';
import type { FieldError } from './field.ts';

/** Fields a client's write never sets: the server's (quotas' usage is the quota controller's). */
export const SERVER_STATUS = new Set<Resource>(['pods', 'namespaces', 'resourcequotas']);

export function applyDefaults(resource: Resource, obj: Obj): Obj {
  obj.apiVersion = apiVersionOf(resource);
  obj.kind = KINDS[resource].kind;
  switch (resource) {
    case 'pods':
      defaultPodSpec(obj);
      break;
    case 'namespaces':
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
      obj.spec = { finalizers: ['kubernetes'], ...obj.spec };
      break;
    case 'rolebindings':
    case 'clusterrolebindings':
      defaultBinding(obj);
      break;
    case 'limitranges':
      defaultLimitRange(obj);
      break;
  }
  return obj;
}

/** Go's semantic equality for specs, near enough: fields set to null count as unset. */
export function specEqual(a: unknown, b: unknown): boolean {
  return jsonEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

export function validateObject(resource: Resource, obj: Obj, old?: Obj): FieldError[] {
  const errs = old ? validateMetaUpdate(obj, old) : [];
  switch (resource) {
    case 'pods':
      errs.push(...(old ? validatePodUpdate(obj, old, specEqual) : validatePod(obj)));
      break;
    case 'namespaces':
      errs.push(...validateNamespace(obj));
      break;
    case 'serviceaccounts':
      errs.push(...validateServiceAccount(obj));
      break;
    case 'resourcequotas':
      errs.push(...validateResourceQuota(obj));
      break;
    case 'limitranges':
      errs.push(...validateLimitRange(obj));
      break;
    case 'roles':
    case 'clusterroles':
      errs.push(...validateRole(obj, resource === 'roles'));
      break;
    case 'rolebindings':
    case 'clusterrolebindings':
      errs.push(...validateBinding(obj, resource === 'rolebindings'), ...(old ? validateBindingUpdate(obj, old) : []));
      break;
    default:
      errs.push(...validateOther(obj, KINDS[resource].namespaced));
  }
  return errs;
}
