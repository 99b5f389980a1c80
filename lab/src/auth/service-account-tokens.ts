// Service-account tokens are what the TokenRequest API (`kubectl create token`, client-node's
// createNamespacedServiceAccountToken) returns on kind: an RS256 JWT signed by the API server's key, with iss, aud,
// exp, iat, nbf, jti, sub and the kubernetes.io claims (namespace, service account name and uid), in the order Go
// writes them. A JWT rather than a random string in a table, because (1) it is the real thing: a student can decode
// theirs, see its expiry and subject, `kubectl auth whoami` shows its credential id, and code written against the lab
// meets the same tokens on kind; (2) its expiry travels inside it, so nothing is kept per token. Revocation is the
// real one too: as pkg/serviceaccount/claims.go does, every request looks the service account up by namespace and
// name and compares its uid with the token's — delete the account, or its namespace, and its tokens stop working at
// the next request; recreate it and the old tokens still fail (new uid).
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** jose is loaded by the first token signed or checked (~30 ms): never by the lab's start, which needs none. */
const jose = () => import('jose');
import { invalid } from '../store/errors.ts';
import { metaTime } from '../time.ts';
import { ALL_SERVICE_ACCOUNTS, withAuthenticated, type AuthResult } from './users.ts';

/** kind's --service-account-issuer, which is also its only --api-audiences. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const MIN_EXPIRATION = 600; // pkg/apis/authentication/validation: MinTokenAgeSec
const MAX_EXPIRATION = 2 ** 32;
const DEFAULT_EXPIRATION = 3600; // SetDefaults_TokenRequestSpec
const LEEWAY = 60; // go-jose's DefaultLeeway, used by claims.go's Validate
export const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}
/** What the store holds of a service account, for the check on every request. */
export interface ServiceAccountState {
  uid: string;
  deletionTimestamp?: string | null;
}
export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: unknown;
}
export interface TokenRequest {
  apiVersion: 'authentication.k8s.io/v1';
  kind: 'TokenRequest';
  metadata: { creationTimestamp: string; name: string; namespace: string };
  spec: { audiences: string[]; boundObjectRef: null; expirationSeconds: number };
  status: { expirationTimestamp: string; token: string };
}
const rfc3339 = (sec: number) => metaTime(sec * 1000);
const goList = (l: string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

export interface TokenIssuerOptions {
  /** The signing key (RSA private); a fresh 2048-bit one when absent. */
  key?: KeyObject;
  issuer?: string;
  /** The audiences the API server accepts (--api-audiences); also the default of a TokenRequest. */
  apiAudiences?: string[];
  /** --service-account-max-token-expiration; none on kind. */
  maxExpirationSeconds?: number;
  /** Milliseconds since the epoch; tests move time. */
  now?: () => number;
}

/** What the API server asks of an issuer (api/auth.ts gives one whose key may still be in the making). */
export type ServiceAccountIssuer = Pick<TokenIssuer, 'issuer' | 'apiAudiences' | 'request' | 'authenticate'>;

export class TokenIssuer {
  readonly issuer: string;
  readonly apiAudiences: string[];
  /** pkg/serviceaccount keyIDFromPublicKey: base64url(SHA-256(PKIX DER of the public key)). */
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly maxExpiration?: number;
  private readonly now: () => number;

  constructor(o: TokenIssuerOptions = {}) {
    this.privateKey = o.key ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    this.publicKey = createPublicKeyOf(this.privateKey);
    this.keyId = createHash('sha256').update(this.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = o.apiAudiences ?? [this.issuer];
    this.maxExpiration = o.maxExpirationSeconds;
    this.now = o.now ?? Date.now;
  }

  /**
   * POST …/serviceaccounts/<name>/token for an account that exists: defaults (one hour, the API audiences),
   * validation with the API's 422 wording, then the signed token.
   */
  async request(sa: ServiceAccountRef, spec: TokenRequestSpec = {}): Promise<TokenRequest> {
    let expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION;
    const causes: { field: string; message: string }[] = [];
    if (expirationSeconds < MIN_EXPIRATION) causes.push({ field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` });
    if (expirationSeconds > MAX_EXPIRATION) causes.push({ field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds` });
    if (causes.length) throw invalid('TokenRequest.authentication.k8s.io', sa.name, causes);
    if (this.maxExpiration && expirationSeconds > this.maxExpiration) expirationSeconds = this.maxExpiration;
    const audiences = spec.audiences?.length ? spec.audiences : this.apiAudiences;
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + expirationSeconds;
    // The claims in the order Go's encoder writes them (sorted keys).
    const claims = {
      aud: audiences,
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
      nbf: iat,
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    };
    const { SignJWT } = await jose();
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.keyId }).sign(this.privateKey);
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { creationTimestamp: rfc3339(iat), name: sa.name, namespace: sa.namespace },
      spec: { audiences, boundObjectRef: null, expirationSeconds },
      status: { expirationTimestamp: rfc3339(exp), token },
    };
  }

  /**
   * The user a service-account token stands for, or why it does not (kube-apiserver logs the why and answers 401
   * "Unauthorized" whatever it is). `lookup` reads the account from the store at this moment.
   */
  async authenticate(token: string, lookup: (namespace: string, name: string) => ServiceAccountState | undefined): Promise<AuthResult> {
    let payload: Record<string, any>;
    const { jwtVerify, errors: joseErrors } = await jose();
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'], issuer: this.issuer, clockTolerance: LEEWAY, currentDate: new Date(this.now()) }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return { error: 'service account token has expired' };
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf') return { error: 'service account token is not valid yet' };
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'iss') return { error: 'token issuer is not the service account issuer' };
      return { error: `invalid token: ${(e as Error).message}` };
    }
    const aud: string[] = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some((a) => this.apiAudiences.includes(a))) return { error: `token audiences ${goList(aud)} is invalid for the target audiences ${goList(this.apiAudiences)}` };
    const k = payload['kubernetes.io'];
    const ns: string | undefined = k?.namespace;
    const sa: { name?: string; uid?: string } | undefined = k?.serviceaccount;
    if (!ns || !sa?.name || !sa.uid) return { error: 'token is missing the kubernetes.io claims' };
    const state = lookup(ns, sa.name);
    if (!state) return { error: `serviceaccounts ${JSON.stringify(sa.name)} not found` };
    if (state.deletionTimestamp) return { error: `service account ${ns}/${sa.name} has been deleted` };
    if (state.uid !== sa.uid) return { error: `service account UID (${state.uid}) does not match claim (${sa.uid})` };
    return {
      user: withAuthenticated({
        name: `system:serviceaccount:${ns}:${sa.name}`,
        uid: sa.uid,
        groups: [ALL_SERVICE_ACCOUNTS, `system:serviceaccounts:${ns}`],
        extra: { [CREDENTIAL_ID]: [`JTI=${payload.jti}`] },
      }),
    };
  }

  /** /openid/v1/jwks: the public key, as kube-apiserver publishes it. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await (await jose()).exportJWK(this.publicKey);
    return { keys: [{ use: 'sig', kty: jwk.kty, kid: this.keyId, alg: 'RS256', n: jwk.n, e: jwk.e }] };
  }
}

function createPublicKeyOf(privateKey: KeyObject): KeyObject {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') throw new Error('the service-account signing key must be an RSA private key');
  return createPublicKey(privateKey);
}
