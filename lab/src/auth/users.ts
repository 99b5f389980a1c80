// Who a request is: the user.Info of k8s.io/apiserver (name, uid, groups, extra), and the names Kubernetes gives
// service accounts (k8s.io/apiserver/pkg/authentication/serviceaccount/util.go).

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What an authenticator makes of a credential it knows: its user, or why it is refused. */
export type AuthResult = { user: UserInfo } | { error: string };

export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const PRIVILEGED_GROUP = 'system:masters';
export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: [ALL_UNAUTHENTICATED] };

const SA_USER_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS = 'system:serviceaccounts';
const SA_GROUP_PREFIX = 'system:serviceaccounts:';

/** system:serviceaccount:<namespace>:<name> */
export const serviceAccountUsername = (namespace: string, name: string) => `${SA_USER_PREFIX}${namespace}:${name}`;

/** The namespace and name in a service account's username, or null when it is not one (util.go SplitUsername). */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(SA_USER_PREFIX)) return null;
  const parts = username.slice(SA_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { namespace: parts[0], name: parts[1] };
}

/** serviceaccount.MatchesUsername: does this username name the service account namespace/name? */
export const matchesServiceAccount = (namespace: string, name: string, username: string) => username === serviceAccountUsername(namespace, name);

/**
 * The user a service-account token authenticates as: its username, its uid, the groups system:serviceaccounts and
 * system:serviceaccounts:<ns>, and system:authenticated (added to every authenticated user, as
 * group.NewAuthenticatedGroupAdder does).
 */
export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return withAuthenticated({ name: serviceAccountUsername(namespace, name), ...(uid ? { uid } : {}), groups: [ALL_SERVICE_ACCOUNTS, `${SA_GROUP_PREFIX}${namespace}`] });
}

/** group.AuthenticatedGroupAdder: system:authenticated once, unless the user is anonymous or already has it. */
export function withAuthenticated(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS.name || user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}
