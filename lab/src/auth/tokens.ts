// Bearer tokens as kube-apiserver takes them: the Authorization header, then the static token table
// (static-tokens.ts), then the service-account tokens (service-account-tokens.ts).
import { ANONYMOUS, type UserInfo } from './users.ts';
import type { StaticTokens } from './static-tokens.ts';
import type { ServiceAccountState, ServiceAccountIssuer } from './service-account-tokens.ts';

export type Authentication = { user: UserInfo; anonymous: boolean } | { error: string };

/**
 * The Authorization header of a request → its user, as kube-apiserver's chain does (bearertoken.go, then
 * union.NewFailOnError with the anonymous authenticator): no header, an empty one, another scheme than Bearer, or
 * an empty token is not a credential — the anonymous user (system:anonymous, system:unauthenticated). A bearer
 * token is looked up in the static table, then checked as a service-account token; one that neither knows is an
 * error: a 401, never a fall-back to anonymous.
 */
export async function authenticateHeader(
  header: string | undefined,
  staticTokens: StaticTokens,
  issuer: ServiceAccountIssuer,
  lookup: (namespace: string, name: string) => ServiceAccountState | undefined,
): Promise<Authentication> {
  const anonymous = { user: ANONYMOUS, anonymous: true };
  const auth = (header ?? '').trim();
  if (!auth) return anonymous;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer') return anonymous;
  const token = parts[1];
  if (!token) return anonymous;
  const fromTable = staticTokens.authenticate(token);
  if (fromTable) return 'user' in fromTable ? { user: fromTable.user, anonymous: false } : fromTable;
  // Only something shaped like a JWT goes to the verifier; anything else is simply not a token we know.
  if (token.split('.').length !== 3) return { error: 'invalid bearer token' };
  const r = await issuer.authenticate(token, lookup);
  return 'user' in r ? { user: r.user, anonymous: false } : r;
}
