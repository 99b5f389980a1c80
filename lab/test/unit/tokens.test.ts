// Tokens as kube-apiserver issues and checks them: TokenRequest's defaults and 422s, the JWT's header and claims,
// expiry with go-jose's one-minute leeway, audiences, and revocation by the service account's existence and uid;
// the static token table; and how an Authorization header becomes a user (bearertoken.go + the anonymous fall-back).
import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { authenticateHeader } from '../../src/auth/tokens.ts';
import { StaticTokens } from '../../src/auth/static-tokens.ts';
import { TokenIssuer, DEFAULT_ISSUER, type ServiceAccountState } from '../../src/auth/service-account-tokens.ts';
import { ApiError } from '../../src/store/errors.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const SA = { namespace: 'student1', name: 'student', uid: '7d6a1c1e-0000-4000-8000-000000000001' };

function clock(start = T0) {
  let t = start;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
}
const live = (state?: ServiceAccountState) => (ns: string, name: string) => (ns === SA.namespace && name === SA.name ? (state ?? { uid: SA.uid }) : undefined);
// One key for the file: RSA generation is the slow part.
const sharedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const issuerWith = (c = clock(), o: { apiAudiences?: string[]; maxExpirationSeconds?: number } = {}) => ({ c, iss: new TokenIssuer({ now: c.now, key: sharedKey, ...o }) });

describe('TokenRequest', () => {
  it('defaults to one hour and the API audience, answered as kube-apiserver answers', async () => {
    const { iss } = issuerWith();
    const tr = await iss.request(SA);
    expect({ ...tr, status: { ...tr.status, token: '…' } }).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { creationTimestamp: '2025-03-01T10:00:00Z', name: 'student', namespace: 'student1' },
      spec: { audiences: [DEFAULT_ISSUER], boundObjectRef: null, expirationSeconds: 3600 },
      status: { expirationTimestamp: '2025-03-01T11:00:00Z', token: '…' },
    });
  });

  it('is a JWT with the header and claims (in Go\'s order) of a real service-account token', async () => {
    const { iss } = issuerWith();
    const { status } = await iss.request(SA, { expirationSeconds: 8 * 3600 });
    expect(decodeProtectedHeader(status.token)).toEqual({ alg: 'RS256', kid: iss.keyId });
    const claims = decodeJwt(status.token);
    expect(Object.keys(claims)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    const iat = T0 / 1000;
    expect(claims).toEqual({
      aud: [DEFAULT_ISSUER],
      exp: iat + 8 * 3600,
      iat,
      iss: DEFAULT_ISSUER,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      'kubernetes.io': { namespace: 'student1', serviceaccount: { name: 'student', uid: SA.uid } },
      nbf: iat,
      sub: 'system:serviceaccount:student1:student',
    });
    // kid: base64url SHA-256 of the public key's DER, 43 characters, and the same in the JWKS.
    expect(iss.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await iss.jwks()).keys).toEqual([{ use: 'sig', kty: 'RSA', kid: iss.keyId, alg: 'RS256', n: expect.any(String), e: 'AQAB' }]);
  });

  it.each([
    [599, 'TokenRequest.authentication.k8s.io "student" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'],
    [0, 'TokenRequest.authentication.k8s.io "student" is invalid: spec.expirationSeconds: Invalid value: 0: may not specify a duration less than 10 minutes'],
    [2 ** 32 + 1, 'TokenRequest.authentication.k8s.io "student" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds'],
  ])('expirationSeconds %d is a 422', async (expirationSeconds, message) => {
    const { iss } = issuerWith();
    const err = await iss.request(SA, { expirationSeconds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([(err as ApiError).code, (err as ApiError).message]).toEqual([422, message]);
  });

  it('600 s and 2^32 s are the bounds; a server maximum clamps (as --service-account-max-token-expiration)', async () => {
    const { iss } = issuerWith();
    expect((await iss.request(SA, { expirationSeconds: 600 })).spec.expirationSeconds).toBe(600);
    expect((await iss.request(SA, { expirationSeconds: 2 ** 32 })).spec.expirationSeconds).toBe(2 ** 32);
    const capped = issuerWith(clock(), { maxExpirationSeconds: 86400 }).iss;
    expect((await capped.request(SA, { expirationSeconds: 7 * 86400 })).status.expirationTimestamp).toBe('2025-03-02T10:00:00Z');
  });
});

describe('a service-account token authenticates', () => {
  it('as the account, with its uid, groups and credential id', async () => {
    const { iss } = issuerWith();
    const { status } = await iss.request(SA);
    const jti = decodeJwt(status.token).jti;
    expect(await iss.authenticate(status.token, live())).toEqual({
      user: {
        name: 'system:serviceaccount:student1:student',
        uid: SA.uid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:student1', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
      },
    });
  });

  it('until it expires, with go-jose\'s one-minute leeway', async () => {
    const { c, iss } = issuerWith();
    const { status } = await iss.request(SA, { expirationSeconds: 600 });
    c.advance(600 + 59);
    expect(await iss.authenticate(status.token, live())).toHaveProperty('user');
    c.advance(2);
    expect(await iss.authenticate(status.token, live())).toEqual({ error: 'service account token has expired' });
  });

  it('not before it is issued (minus the leeway)', async () => {
    const { c, iss } = issuerWith();
    const { status } = await iss.request(SA);
    c.advance(-61);
    expect(await iss.authenticate(status.token, live())).toEqual({ error: 'service account token is not valid yet' });
  });

  it('stops at once when the account is deleted, is being deleted, or was recreated (new uid)', async () => {
    const { iss } = issuerWith();
    const { status } = await iss.request(SA);
    expect(await iss.authenticate(status.token, () => undefined)).toEqual({ error: 'serviceaccounts "student" not found' });
    expect(await iss.authenticate(status.token, live({ uid: SA.uid, deletionTimestamp: '2025-03-01T10:00:01Z' }))).toEqual({ error: 'service account student1/student has been deleted' });
    expect(await iss.authenticate(status.token, live({ uid: 'another-uid' }))).toEqual({ error: `service account UID (another-uid) does not match claim (${SA.uid})` });
  });

  it('only for the API\'s audiences (a token asked for "vault" is not one for the API server)', async () => {
    const { iss } = issuerWith();
    const { status } = await iss.request(SA, { audiences: ['vault'] });
    expect(await iss.authenticate(status.token, live())).toEqual({ error: `token audiences ["vault"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]` });
    const both = await iss.request(SA, { audiences: ['vault', DEFAULT_ISSUER] });
    expect(await iss.authenticate(both.status.token, live())).toHaveProperty('user');
  });

  it('never when signed by another key, changed, or unsigned', async () => {
    const { iss } = issuerWith();
    const other = new TokenIssuer({ now: () => T0 });
    const foreign = (await other.request(SA)).status.token;
    expect(await iss.authenticate(foreign, live())).toMatchObject({ error: expect.stringMatching(/^invalid token: /) });
    const [h, p, s] = (await iss.request(SA)).status.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims['kubernetes.io'].namespace = 'kube-system';
    const forged = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    expect(await iss.authenticate(forged, live())).toEqual({ error: 'invalid token: signature verification failed' });
    const none = [Buffer.from('{"alg":"none"}').toString('base64url'), p, ''].join('.');
    expect(await iss.authenticate(none, live())).toMatchObject({ error: expect.stringMatching(/^invalid token: /) });
  });
});

describe('static tokens', () => {
  it('name a user until they expire or are revoked', () => {
    const c = clock();
    const table = new StaticTokens(c.now);
    const ana = table.issue({ name: 'ana', groups: ['workshop'] }, 3600);
    const admin = table.issue({ name: 'kubernetes-admin', groups: ['system:masters'] });
    expect(ana.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(table.authenticate(ana.token)).toEqual({ user: { name: 'ana', groups: ['workshop', 'system:authenticated'] } });
    expect(table.authenticate('nope')).toBeUndefined();
    c.advance(3600);
    expect(table.authenticate(ana.token)).toEqual({ error: 'token has expired' });
    expect(table.authenticate(admin.token)).toHaveProperty('user.name', 'kubernetes-admin');
    table.issue({ name: 'bo', groups: [] });
    table.issue({ name: 'bo', groups: [] });
    expect(table.revokeUser('bo')).toBe(2);
    expect(() => table.add('', { name: 'x', groups: [] })).toThrow('a token may not be empty');
  });
});

describe('the Authorization header', () => {
  const setup = async () => {
    const { iss } = issuerWith();
    const table = new StaticTokens(() => T0);
    table.add('admin-token', { name: 'kubernetes-admin', groups: ['system:masters'] });
    const jwt = (await iss.request(SA)).status.token;
    const auth = (h: string | undefined) => authenticateHeader(h, table, iss, live());
    return { auth, jwt };
  };
  const anonymous = { user: { name: 'system:anonymous', groups: ['system:unauthenticated'] }, anonymous: true };

  it('no credentials (no header, blank, another scheme, an empty token) is the anonymous user', async () => {
    const { auth } = await setup();
    for (const h of [undefined, '', '   ', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Bearer', 'Bearer ', 'Bearer  two-spaces']) expect([h, await auth(h)]).toEqual([h, anonymous]);
  });

  it('a known token is its user, the word Bearer in any case; an unknown one is an error, not anonymous', async () => {
    const { auth, jwt } = await setup();
    expect(await auth('Bearer admin-token')).toEqual({ user: { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }, anonymous: false });
    expect(await auth('bearer admin-token')).toHaveProperty('user.name', 'kubernetes-admin');
    expect(await auth(`Bearer ${jwt}`)).toHaveProperty('user.name', 'system:serviceaccount:student1:student');
    expect(await auth('Bearer wrong')).toEqual({ error: 'invalid bearer token' });
    expect(await auth('Bearer a.b.c')).toMatchObject({ error: expect.stringMatching(/^invalid token: /) });
  });
});
