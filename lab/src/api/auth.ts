// Who is asking, as kube-apiserver's authenticators answer it (auth/tokens.ts does the work): the lab's admin token
// is a static token of `kubernetes-admin` in system:masters (the teacher's); a service-account token (TokenRequest,
// `kubectl create token`) is checked against the account in the store at every request, so deleting the account
// or its namespace ends it at once; no credentials is system:anonymous, which the lab lets read /version and the
// health checks only (kind's system:public-info-viewer) — anything else without a token, and every request with a
// token nobody knows, is 401 before its URL is even parsed.
import type http from 'node:http';
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { ApiError, type Store } from '../store/index.ts';
import { StaticTokens, TokenIssuer, authenticateHeader } from '../auth/tokens.ts';
import { PRIVILEGED_GROUP, type UserInfo } from '../auth/users.ts';

export const UNAUTHORIZED = new ApiError(401, 'Unauthorized', 'Unauthorized');
export const ADMIN_USER: UserInfo = { name: 'kubernetes-admin', groups: [PRIVILEGED_GROUP] };

/** system:public-info-viewer's nonResourceURLs the lab serves; exact, so no `..` can lead elsewhere. */
const PUBLIC = /^\/(version|healthz|readyz|livez)(\?.*)?$/;

export interface Authenticator {
  /** The request's user, or null: answer 401. */
  authenticate(req: http.IncomingMessage): Promise<UserInfo | null>;
  issuer: TokenIssuer;
  staticTokens: StaticTokens;
}

export async function createAuthenticator(store: Store, adminToken: string): Promise<Authenticator> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const issuer = new TokenIssuer({ key: privateKey });
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
      if ('error' in a) return null;
      if (a.anonymous) return req.method === 'GET' && PUBLIC.test(req.url ?? '') ? a.user : null;
      return a.user;
    },
  };
}
