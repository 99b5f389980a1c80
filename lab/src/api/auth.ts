// Who is asking, as kube-apiserver's authenticators answer it (auth/tokens.ts does the work): the lab's admin token
// is a static token of `kubernetes-admin` in system:masters (the teacher's); a service-account token (TokenRequest,
// `kubectl create token`) is checked against the account in the store at every request, so deleting the account
// or its namespace ends it at once; no credentials is system:anonymous in system:unauthenticated, which RBAC then
// decides as for anyone (kube-apiserver with --anonymous-auth=true, kind's default): the default policy's
// system:public-info-viewer lets it read /version and the health checks, anything else is kube-apiserver's 403.
// A token that is there but that nobody knows (wrong, expired, its account deleted) is 401 before its URL is even
// parsed, never a fall-back to anonymous.
import type http from 'node:http';
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { ApiError, type Store } from '../store/index.ts';
import { authenticateHeader } from '../auth/tokens.ts';
import { StaticTokens } from '../auth/static-tokens.ts';
import { DEFAULT_ISSUER, TokenIssuer, type ServiceAccountIssuer } from '../auth/service-account-tokens.ts';
import { PRIVILEGED_GROUP, type UserInfo } from '../auth/users.ts';

export const UNAUTHORIZED = new ApiError(401, 'Unauthorized', 'Unauthorized');
export const ADMIN_USER: UserInfo = { name: 'kubernetes-admin', groups: [PRIVILEGED_GROUP] };

export interface Authenticator {
  /** The request's user (system:anonymous without credentials), or null: a credential nobody knows, answer 401. */
  authenticate(req: http.IncomingMessage): Promise<UserInfo | null>;
  issuer: ServiceAccountIssuer;
  staticTokens: StaticTokens;
}

/** The key service-account tokens are signed with (RSA 2048, made on libuv's threads: the lab starts it early). */
export const generateSigningKey = (): Promise<KeyObject> => promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then((k) => k.privateKey);

/**
 * An issuer there at once: its key (RSA 2048, ~50–150 ms of libuv's threads, started with the lab) is waited for by
 * the first token it signs or checks, not by the API server's start.
 */
function issuerOnceKeyed(signingKey: Promise<KeyObject>): ServiceAccountIssuer {
  const made = signingKey.then((key) => new TokenIssuer({ key }));
  made.catch(() => {}); // said to the request that needs it
  return {
    issuer: DEFAULT_ISSUER,
    apiAudiences: [DEFAULT_ISSUER],
    request: async (sa, spec) => (await made).request(sa, spec),
    authenticate: async (token, lookup) => (await made).authenticate(token, lookup),
  };
}

export async function createAuthenticator(store: Store, adminToken: string, signingKey = generateSigningKey()): Promise<Authenticator> {
  const issuer = issuerOnceKeyed(signingKey);
  const staticTokens = new StaticTokens();
  staticTokens.add(adminToken, ADMIN_USER);
  const lookup = (namespace: string, name: string) => {
    const sa = store.get('serviceaccounts', namespace, name);
    return sa && { uid: sa.metadata.uid, deletionTimestamp: sa.metadata.deletionTimestamp };
  };
  return {
    issuer,
    staticTokens,
    async authenticate(req) {
      const a = await authenticateHeader(req.headers.authorization, staticTokens, issuer, lookup);
      return 'error' in a ? null : a.user;
    },
  };
}
