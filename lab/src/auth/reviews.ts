// The answers of the review APIs, as kube-apiserver's registry gives them, for a user and a policy:
//   SelfSubjectAccessReview  (authorization.k8s.io/v1)  kubectl auth can-i VERB RESOURCE
//   SelfSubjectRulesReview   (authorization.k8s.io/v1)  kubectl auth can-i --list
//   SelfSubjectReview        (authentication.k8s.io/v1) kubectl auth whoami
// (pkg/registry/authorization/selfsubjectaccessreview, selfsubjectrulesreview, pkg/registry/authentication/
// selfsubjectreview). Each echoes the request with its status filled in.
import { authorize, rulesFor, type Attributes, type Policy } from './rbac.ts';
import { PRIVILEGED_GROUP, type UserInfo } from './users.ts';
import { aggregate } from './go-format.ts';
import { metaTime } from '../time.ts';

type Obj = Record<string, any>;

/** Why a review cannot be answered: a 422's field and message (the caller makes the API error). */
export class ReviewInvalid extends Error {
  field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom: the spec as authorizer attributes. */
export function reviewAttributes(user: UserInfo, spec: Obj): Attributes {
  const ra = spec?.resourceAttributes;
  const nra = spec?.nonResourceAttributes;
  if (ra && nra) throw new ReviewInvalid('spec.nonResourceAttributes', 'cannot be specified in combination with resourceAttributes');
  if (!ra && !nra) throw new ReviewInvalid('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
  if (nra) return { user, verb: nra.verb ?? '', resourceRequest: false, path: nra.path ?? '' };
  return {
    user,
    verb: ra.verb ?? '',
    resourceRequest: true,
    namespace: ra.namespace ?? '',
    apiGroup: ra.group ?? '',
    apiVersion: ra.version ?? '',
    resource: ra.resource ?? '',
    subresource: ra.subresource ?? '',
    name: ra.name ?? '',
  };
}

/** POST …/selfsubjectaccessreviews: allowed, and the reason (`RBAC: allowed by …`, or the resolution errors). */
export function selfSubjectAccessReview(policy: Policy, user: UserInfo, body: Obj): Obj {
  const d = authorize(policy, reviewAttributes(user, body?.spec));
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: { ...(body?.metadata ?? {}), creationTimestamp: null },
    spec: body.spec,
    status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) },
  };
}

/**
 * POST …/selfsubjectrulesreviews: what the user may do in spec.namespace. system:masters first gets the
 * privileged-group authorizer's everything, then RBAC's rules, each as a resource rule and/or a non-resource one.
 */
export function selfSubjectRulesReview(policy: Policy, user: UserInfo, body: Obj): Obj {
  const namespace: string = body?.spec?.namespace ?? '';
  const resourceRules: Obj[] = [];
  const nonResourceRules: Obj[] = [];
  if (user.groups.includes(PRIVILEGED_GROUP)) {
    resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
  }
  const { rules, errors } = rulesFor(policy, user, namespace);
  for (const r of rules) {
    if (r.resources?.length) resourceRules.push({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
    if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
  }
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: { ...(body?.metadata ?? {}), creationTimestamp: null },
    spec: body?.spec ?? {},
    status: {
      resourceRules,
      nonResourceRules,
      incomplete: false,
      ...(errors.length ? { evaluationError: aggregate(errors) } : {}),
    },
  };
}

/** POST …/selfsubjectreviews: who the request was made as. */
export function selfSubjectReview(user: UserInfo, now = new Date()): Obj {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: metaTime(now.getTime()) },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid ? { uid: user.uid } : {}),
        ...(user.groups.length ? { groups: user.groups } : {}),
        ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
      },
    },
  };
}
