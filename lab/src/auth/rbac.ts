// RBAC evaluated as kube-apiserver evaluates it, as a pure function of the rbac.authorization.k8s.io/v1 objects:
// the rule matching of pkg/apis/rbac/v1/evaluation_helpers.go, the rule resolution of
// pkg/registry/rbac/validation/rule.go (cluster role bindings first, then the role bindings of the request's
// namespace; a binding whose role is missing is an error that joins the reason, not a failure), the authorizer of
// plugin/pkg/auth/authorizer/rbac/rbac.go, and the subject locator of subject_locator.go. In front, as in
// kube-apiserver, the privileged-group authorizer: system:masters may do anything.
import { goQuote, aggregate } from './go-format.ts';
import { PRIVILEGED_GROUP, matchesServiceAccount, type UserInfo } from './users.ts';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}
export interface Role {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  rules?: PolicyRule[] | null;
}
export interface ClusterRole extends Role {
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } | null;
}
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}
export interface RoleBinding {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}
export type ClusterRoleBinding = RoleBinding;

/** What the authorizer is asked (authorizer.AttributesRecord). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** true for /api and /apis requests on a resource; false for any other path (nonResourceURL). */
  resourceRequest: boolean;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  /** The URL path, for non-resource requests. */
  path?: string;
}

/** The objects the decision depends on; ClusterRoles as stored (aggregated ones already filled in). */
export interface Policy {
  roles: Role[];
  clusterRoles: ClusterRole[];
  roleBindings: RoleBinding[];
  clusterRoleBindings: ClusterRoleBinding[];
}

export interface Decision {
  allowed: boolean;
  /** "RBAC: allowed by …" when allowed; when denied, the resolution errors ("RBAC: …") or "". */
  reason: string;
}

const has = (list: string[] | undefined | null, s: string) => !!list && list.includes(s);

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === '*' || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

/** A rule's resource matches "*", the exact "resource" or "resource/subresource", or "*\/subresource". */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** No resourceNames means every name; otherwise the request's name (none for list, create…) must be one of them. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return !rule.resourceNames?.length || rule.resourceNames.includes(name);
}

/** "*", the exact path, or a prefix ending in "*" ("/apis/*" matches "/apis/v1" but not "/apis"). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (a.resourceRequest) {
    const sub = a.subresource ?? '';
    const combined = sub ? `${a.resource ?? ''}/${sub}` : (a.resource ?? '');
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.apiGroup ?? '') && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, a.name ?? '');
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path ?? '');
}

export const rulesAllow = (a: Attributes, rules: PolicyRule[]) => rules.some((r) => ruleAllows(a, r));

function appliesToUser(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return has(user.groups, s.name);
    case 'ServiceAccount': {
      // A binding's ServiceAccount without a namespace means one in the binding's own namespace.
      const ns = s.namespace || namespace;
      return !!ns && matchesServiceAccount(ns, s.name, user.name);
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${goQuote(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${goQuote(s.name)}`;
}

/** The rules a role reference stands for, or the error kube-apiserver's listers give for it. */
function roleRefRules(policy: Policy, ref: RoleRef, bindingNamespace: string): PolicyRule[] | Error {
  switch (ref.kind) {
    case 'Role': {
      const role = policy.roles.find((r) => r.metadata.namespace === bindingNamespace && r.metadata.name === ref.name);
      return role ? (role.rules ?? []) : new Error(`role.rbac.authorization.k8s.io ${goQuote(ref.name)} not found`);
    }
    case 'ClusterRole': {
      const role = policy.clusterRoles.find((r) => r.metadata.name === ref.name);
      return role ? (role.rules ?? []) : new Error(`clusterrole.rbac.authorization.k8s.io ${goQuote(ref.name)} not found`);
    }
    default:
      return new Error(`unsupported role reference kind: ${goQuote(ref.kind)}`);
  }
}

type Visitor = (source: (() => string) | null, rule: PolicyRule | null, err: Error | null) => boolean;

/** DefaultRuleResolver.VisitRulesFor: every rule that applies to the user in the namespace; false stops. */
export function visitRulesFor(policy: Policy, user: UserInfo, namespace: string, visit: Visitor): void {
  for (const b of policy.clusterRoleBindings) {
    const i = (b.subjects ?? []).findIndex((s) => appliesToUser(user, s, ''));
    if (i < 0) continue;
    const rules = roleRefRules(policy, b.roleRef, '');
    if (rules instanceof Error) {
      if (!visit(null, null, rules)) return;
      continue;
    }
    const source = () => `ClusterRoleBinding ${goQuote(b.metadata.name)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(b.subjects![i], '')}`;
    for (const r of rules) if (!visit(source, r, null)) return;
  }
  if (!namespace) return;
  for (const b of policy.roleBindings) {
    if (b.metadata.namespace !== namespace) continue;
    const i = (b.subjects ?? []).findIndex((s) => appliesToUser(user, s, namespace));
    if (i < 0) continue;
    const rules = roleRefRules(policy, b.roleRef, namespace);
    if (rules instanceof Error) {
      if (!visit(null, null, rules)) return;
      continue;
    }
    const source = () => `RoleBinding ${goQuote(`${b.metadata.name}/${namespace}`)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(b.subjects![i], namespace)}`;
    for (const r of rules) if (!visit(source, r, null)) return;
  }
}

/** Every rule for the user in the namespace, and the resolution errors (RulesFor; SelfSubjectRulesReview). */
export function rulesFor(policy: Policy, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(policy, user, namespace, (_s, rule, err) => {
    if (rule) rules.push(rule);
    if (err) errors.push(err.message);
    return true;
  });
  return { rules, errors };
}

/** RBACAuthorizer.Authorize. Denied means "no opinion", which with nothing else configured is a 403. */
export function authorizeRBAC(policy: Policy, a: Attributes): Decision {
  let allowedBy: string | null = null;
  const errors: string[] = [];
  visitRulesFor(policy, a.user, a.namespace ?? '', (source, rule, err) => {
    if (rule && ruleAllows(a, rule)) {
      allowedBy = source!();
      return false;
    }
    if (err) errors.push(err.message);
    return true;
  });
  if (allowedBy !== null) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
}

/** kube-apiserver's chain as kind configures it: system:masters first (reason ""), then RBAC. */
export function authorize(policy: Policy, a: Attributes): Decision {
  if (a.user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: '' };
  return authorizeRBAC(policy, a);
}

/**
 * SubjectAccessEvaluator.AllowedSubjects: who may do this — system:masters, the super user if any, then the
 * subjects of each binding whose role allows it. As in Go, the list is returned as collected (not deduplicated).
 */
export function allowedSubjects(policy: Policy, a: Omit<Attributes, 'user'>, superUser = ''): { subjects: Subject[]; errors: string[] } {
  const subjects: Subject[] = [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: PRIVILEGED_GROUP }];
  if (superUser) subjects.push({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: superUser });
  const errors: string[] = [];
  const attrs = a as Attributes;
  const collect = (b: RoleBinding, ns: string) => {
    const rules = roleRefRules(policy, b.roleRef, ns);
    if (rules instanceof Error) errors.push(rules.message);
    else if (rulesAllow(attrs, rules)) subjects.push(...(b.subjects ?? []));
  };
  for (const b of policy.clusterRoleBindings) collect(b, '');
  const ns = a.namespace ?? '';
  if (ns) for (const b of policy.roleBindings) if (b.metadata.namespace === ns) collect(b, ns);
  return { subjects, errors };
}
