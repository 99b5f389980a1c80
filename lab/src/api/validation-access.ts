// Validation of ServiceAccounts, ResourceQuotas, LimitRanges (pkg/apis/core/validation) and of the RBAC objects
// (pkg/apis/rbac/validation), with kube-apiserver's field paths and words. Left out: the resource-name rules of
// quota and limit keys (any key is taken), LimitRange min ≤ default ≤ max consistency, and RBAC escalation checks
// (only system:masters can write RBAC objects in a workshop, and masters may grant anything).
import type { Obj } from '../store/index.ts';
import { RBAC_GROUP } from '../store/index.ts';
import { invalidValue, required, notSupported, type FieldError } from './field.ts';
import { dns1123Subdomain, each, validateMeta } from './validation-meta.ts';
import { parseQuantity } from './quantity.ts';
import { setOwn } from './own-json.ts';

/** path.IsValidPathSegmentName: RBAC names may hold ':' (system:basic-user), not '/' or '%'. */
export function rbacName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  if (name.includes('/')) errs.push("may not contain '/'");
  if (name.includes('%')) errs.push("may not contain '%'");
  return errs;
}

/** Go's %#v of a []string, as field.Invalid prints a slice. */
const goStrings = (l: string[]) => `[]string{${l.map((s) => JSON.stringify(s)).join(', ')}}`;
const rawInvalid = (field: string, value: string, detail: string): FieldError => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${detail}` });

function quantities(list: Obj | undefined, at: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseQuantity(String(v));
    if (q && q.nano < 0n) errs.push(invalidValue(`${at}[${k}]`, String(v), 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateServiceAccount(sa: Obj): FieldError[] {
  return validateMeta(sa.metadata, true, dns1123Subdomain);
}

export function validateResourceQuota(q: Obj): FieldError[] {
  return [...validateMeta(q.metadata, true, dns1123Subdomain), ...quantities(q.spec?.hard, 'spec.hard'), ...quantities(q.status?.hard, 'status.hard'), ...quantities(q.status?.used, 'status.used')];
}

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

export function validateLimitRange(lr: Obj): FieldError[] {
  const errs = validateMeta(lr.metadata, true, dns1123Subdomain);
  (lr.spec?.limits ?? []).forEach((l: Obj, i: number) => {
    const at = `spec.limits[${i}]`;
    if (!LIMIT_TYPES.includes(l.type)) errs.push(notSupported(`${at}.type`, l.type ?? '', LIMIT_TYPES));
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) errs.push(...quantities(l[f], `${at}.${f}`));
  });
  return errs;
}

/** SetDefaults_LimitRangeItem: a Container item's default limit is its max, its default request the default or min. */
export function defaultLimitRange(lr: Obj): void {
  for (const l of lr.spec?.limits ?? []) {
    if (l.type !== 'Container') continue;
    l.default ??= {};
    l.defaultRequest ??= {};
    for (const [k, v] of Object.entries(l.max ?? {})) if (!Object.hasOwn(l.default, k)) setOwn(l.default, k, v);
    for (const [k, v] of Object.entries(l.default)) if (!Object.hasOwn(l.defaultRequest, k)) setOwn(l.defaultRequest, k, v);
    for (const [k, v] of Object.entries(l.min ?? {})) if (!Object.hasOwn(l.defaultRequest, k)) setOwn(l.defaultRequest, k, v);
  }
}

function rules(list: Obj[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (list ?? []).forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!r.verbs?.length) errs.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (r.nonResourceURLs?.length) {
      if (namespaced) errs.push(rawInvalid(`${at}.nonResourceURLs`, goStrings(r.nonResourceURLs), 'namespaced rules cannot apply to non-resource URLs'));
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) {
        errs.push(rawInvalid(`${at}.nonResourceURLs`, goStrings(r.nonResourceURLs), 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!r.apiGroups?.length) errs.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!r.resources?.length) errs.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

export function validateRole(role: Obj, namespaced: boolean): FieldError[] {
  const errs = [...validateMeta(role.metadata, namespaced, rbacName), ...rules(role.rules, namespaced)];
  if (!namespaced && role.aggregationRule && !role.aggregationRule.clusterRoleSelectors?.length) {
    errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  return errs;
}

function subject(s: Obj, at: string, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${at}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) errs.push(...each(`${at}.name`, s.name, dns1123Subdomain(s.name)));
      if (s.apiGroup) errs.push(notSupported(`${at}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${at}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(`${at}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateBinding(b: Obj, namespaced: boolean): FieldError[] {
  const errs = validateMeta(b.metadata, namespaced, rbacName);
  const ref = b.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required('roleRef.name'));
  else errs.push(...each('roleRef.name', ref.name, rbacName(ref.name)));
  (b.subjects ?? []).forEach((s: Obj, i: number) => errs.push(...subject(s, `subjects[${i}]`, namespaced)));
  return errs;
}

/** A binding's roleRef may not change (ValidateRoleBindingUpdate): its value as Go's %#v prints rbac.RoleRef. */
export function validateBindingUpdate(next: Obj, old: Obj): FieldError[] {
  const [a, b] = [next.roleRef ?? {}, old.roleRef ?? {}];
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  const v = `rbac.RoleRef{APIGroup:${JSON.stringify(a.apiGroup ?? '')}, Kind:${JSON.stringify(a.kind ?? '')}, Name:${JSON.stringify(a.name ?? '')}}`;
  return [rawInvalid('roleRef', v, 'cannot change roleRef')];
}

/** SetDefaults_Subject and SetDefaults_RoleRef: User and Group subjects and role refs are of the RBAC group. */
export function defaultBinding(b: Obj): void {
  b.roleRef ??= {};
  b.roleRef.apiGroup ||= RBAC_GROUP;
  for (const s of b.subjects ?? []) if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}
