// The create-only APIs of authentication and authorization, answered as kube-apiserver's registry answers them
// (201 with the request echoed and its status filled in; auth/reviews.ts computes the answers):
//   POST /apis/authentication.k8s.io/v1/selfsubjectreviews                      kubectl auth whoami
//   POST /apis/authentication.k8s.io/v1/tokenreviews                            who a token is
//   POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews                 kubectl auth can-i VERB RESOURCE
//   POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews                  kubectl auth can-i --list
//   POST /apis/authorization.k8s.io/v1/subjectaccessreviews                     kubectl auth can-i --as (any user)
//   POST /apis/authorization.k8s.io/v1/namespaces/NS/localsubjectaccessreviews  the same in one namespace
//   POST /api/v1/namespaces/NS/serviceaccounts/NAME/token                       kubectl create token (TokenRequest)
// The request itself was authorized before it got here (create on the review resource, or on serviceaccounts/token).
import type http from 'node:http';
import { ApiError, badRequest, invalid, type Obj, type Store } from '../store/index.ts';
import { authorize } from '../auth/rbac.ts';
import { ReviewInvalid, reviewAttributes, selfSubjectAccessReview, selfSubjectRulesReview, selfSubjectReview } from '../auth/reviews.ts';
import { authenticateHeader } from '../auth/tokens.ts';
import type { UserInfo } from '../auth/users.ts';
import type { Authenticator } from './auth.ts';
import type { Authorizer } from './authz.ts';
import { readBody, sendJson } from './http.ts';
import { METHOD_NOT_ALLOWED } from './route.ts';
import { isObj } from './own-json.ts';

export interface ReviewOptions {
  store: Store;
  authenticator: Authenticator;
  authorizer: Authorizer;
}

const REVIEW = /^\/apis\/(authentication|authorization)\.k8s\.io\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)\/?$/;
/** Each review resource: its group and whether it is namespaced. */
const REVIEWS: Record<string, [string, boolean]> = {
  selfsubjectreviews: ['authentication', false], tokenreviews: ['authentication', false], selfsubjectaccessreviews: ['authorization', false],
  selfsubjectrulesreviews: ['authorization', false], subjectaccessreviews: ['authorization', false], localsubjectaccessreviews: ['authorization', true],
};

async function objectBody(req: http.IncomingMessage): Promise<Obj> {
  const body = await readBody(req);
  if (!isObj(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body) ?? ''}'`);
  return body;
}

/** A review whose spec cannot be answered: the 422 of its kind (`SelfSubjectAccessReview.authorization.k8s.io ""`). */
function answer<T>(kind: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ReviewInvalid)) throw e;
    throw invalid(`${kind}.authorization.k8s.io`, '', [{ field: e.field, message: `Invalid value: "null": ${e.message}` }]);
  }
}

/** SubjectAccessReview and LocalSubjectAccessReview: the user the spec names, exactly (no groups added). */
function accessReview(o: ReviewOptions, body: Obj, kind: string, namespace?: string): Obj {
  const spec = body.spec ?? {};
  if (!spec.user && !spec.groups?.length) throw invalid(`${kind}.authorization.k8s.io`, '', [{ field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
  if (namespace !== undefined && spec.resourceAttributes) {
    spec.resourceAttributes.namespace ||= namespace;
    if (spec.resourceAttributes.namespace !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  }
  const user: UserInfo = { name: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
  const d = answer(kind, () => authorize(o.authorizer.policy(), reviewAttributes(user, spec)));
  return { apiVersion: 'authorization.k8s.io/v1', kind, metadata: { ...(body.metadata ?? {}), creationTimestamp: null }, spec, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } };
}

async function tokenReview(o: ReviewOptions, body: Obj): Promise<Obj> {
  const spec = body.spec ?? {};
  const lookup = (ns: string, name: string) => {
    const sa = o.store.get('serviceaccounts', ns, name);
    return sa && { uid: sa.metadata.uid, deletionTimestamp: sa.metadata.deletionTimestamp };
  };
  const a = spec.token ? await authenticateHeader(`Bearer ${spec.token}`, o.authenticator.staticTokens, o.authenticator.issuer, lookup) : { error: 'token is empty' };
  const status = 'error' in a || a.anonymous
    ? { user: {}, error: 'error' in a ? a.error : 'token is empty' }
    : { authenticated: true, user: { username: a.user.name, ...(a.user.uid ? { uid: a.user.uid } : {}), groups: a.user.groups, ...(a.user.extra ? { extra: a.user.extra } : {}) }, audiences: o.authenticator.issuer.apiAudiences };
  return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { ...(body.metadata ?? {}), creationTimestamp: null }, spec, status };
}

/** Answers a review request (true), or leaves the path to the router (false). */
export async function serveReview(o: ReviewOptions, path: string, method: string, req: http.IncomingMessage, res: http.ServerResponse, user: UserInfo): Promise<boolean> {
  const m = REVIEW.exec(path);
  const known = m && Object.hasOwn(REVIEWS, m[3]) ? REVIEWS[m[3]] : undefined;
  if (!m || !known || known[0] !== m[1] || known[1] !== (m[2] !== undefined)) return false;
  if (method !== 'POST') throw METHOD_NOT_ALLOWED();
  const body = await objectBody(req);
  const policy = o.authorizer.policy();
  const reply: Record<string, () => Obj | Promise<Obj>> = {
    selfsubjectreviews: () => selfSubjectReview(user),
    tokenreviews: () => tokenReview(o, body),
    selfsubjectaccessreviews: () => answer('SelfSubjectAccessReview', () => selfSubjectAccessReview(policy, user, body)),
    selfsubjectrulesreviews: () => selfSubjectRulesReview(policy, user, body),
    subjectaccessreviews: () => accessReview(o, body, 'SubjectAccessReview'),
    localsubjectaccessreviews: () => accessReview(o, body, 'LocalSubjectAccessReview', m[2]),
  };
  sendJson(res, 201, await reply[m[3]]());
  return true;
}

/** POST …/serviceaccounts/NAME/token: a TokenRequest for an account that exists. */
export async function serveTokenRequest(o: ReviewOptions, namespace: string, name: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'POST') throw METHOD_NOT_ALLOWED();
  const body = await objectBody(req);
  const sa = o.store.mustGet('serviceaccounts', namespace, name);
  if (body.spec?.boundObjectRef) throw new ApiError(400, 'BadRequest', 'the lab does not bind tokens to objects: leave spec.boundObjectRef out');
  const spec = { audiences: body.spec?.audiences ?? null, expirationSeconds: body.spec?.expirationSeconds ?? null };
  sendJson(res, 201, await o.authenticator.issuer.request({ namespace, name, uid: sa.metadata.uid }, spec));
}
