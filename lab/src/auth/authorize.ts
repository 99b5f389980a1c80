// The authorization step of a request, between "who is asking" (tokens.ts) and the handler: the request's
// attributes from its method and URL, the decision (system:masters, then RBAC), and on a "no" the 403 Status as
// kube-apiserver sends it. Upgrades (exec, attach, port-forward) come through here too, before any protocol talk.
import { attributesFor, connectCreateCheck, requestInfo } from './request-info.ts';
import { authorize, type Attributes, type Policy } from './rbac.ts';
import { forbiddenStatus, type ForbiddenStatus } from './forbidden.ts';
import type { UserInfo } from './users.ts';

export type Verdict = { allowed: true; attributes: Attributes } | { allowed: false; attributes: Attributes; status: ForbiddenStatus };

export interface CheckOptions {
  /** Kubernetes ≥ 1.35: a WebSocket GET of exec/attach/portforward must also be allowed to `create` (off: v1.32). */
  websocketCreateCheck?: boolean;
}

export function checkRequest(policy: Policy, user: UserInfo, method: string, url: string, o: CheckOptions = {}): Verdict {
  const attributes = attributesFor(user, requestInfo(method, url));
  const d = authorize(policy, attributes);
  if (!d.allowed) return { allowed: false, attributes, status: forbiddenStatus(attributes, d.reason) };
  const extra = o.websocketCreateCheck ? connectCreateCheck(attributes) : null;
  if (extra) {
    const d2 = authorize(policy, extra);
    if (!d2.allowed) return { allowed: false, attributes: extra, status: forbiddenStatus(extra, d2.reason) };
  }
  return { allowed: true, attributes };
}
