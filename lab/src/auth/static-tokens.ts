// Static tokens (kube-apiserver's --token-auth-file) are random strings mapped to a user, here with an optional
// expiry and revocable by user name: the teacher's admin token, or a named user's.
import { randomBytes } from 'node:crypto';
import { withAuthenticated, type AuthResult, type UserInfo } from './users.ts';

interface StaticEntry {
  user: UserInfo;
  /** Milliseconds since the epoch; none: until revoked. */
  expiresAt?: number;
}

/** kube-apiserver's token file, in memory: random tokens for named users, with an optional expiry. */
export class StaticTokens {
  private readonly entries = new Map<string, StaticEntry>();
  private readonly now: () => number;
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** A new token for `user` (system:authenticated added); valid `expirationSeconds` if given. */
  issue(user: UserInfo, expirationSeconds?: number): { token: string; expiresAt?: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = expirationSeconds === undefined ? undefined : this.now() + expirationSeconds * 1000;
    this.add(token, user, expiresAt);
    return { token, ...(expiresAt === undefined ? {} : { expiresAt }) };
  }

  /** A token chosen by the caller (the lab's admin token, written into its kubeconfig). */
  add(token: string, user: UserInfo, expiresAt?: number): void {
    if (!token) throw new Error('a token may not be empty');
    this.entries.set(token, { user: withAuthenticated(user), ...(expiresAt === undefined ? {} : { expiresAt }) });
  }

  /** Every token of this user stops working; returns how many there were. */
  revokeUser(name: string): number {
    let n = 0;
    for (const [t, e] of this.entries) if (e.user.name === name && this.entries.delete(t)) n++;
    return n;
  }

  /** The token's user; undefined when it is not ours (another authenticator may know it); an error if expired. */
  authenticate(token: string): AuthResult | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && this.now() >= e.expiresAt) {
      this.entries.delete(token);
      return { error: 'token has expired' };
    }
    return { user: e.user };
  }
}
