// Authorization on every request, as kube-apiserver's chain does it (auth/authorize.ts): system:masters, then RBAC
// over the Roles, ClusterRoles and bindings in the store. The policy is read from the store again only after one
// of those objects changes.
import type { Store } from '../store/index.ts';
import { authorize, type Attributes, type Policy } from '../auth/rbac.ts';
import { checkRequest, type Verdict } from '../auth/authorize.ts';
import type { UserInfo } from '../auth/users.ts';

const RBAC_RESOURCES = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] as const;

export class Authorizer {
  private cached: Policy | null = null;
  private readonly stops: (() => void)[];
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
    this.stops = RBAC_RESOURCES.map((r) => store.onChange(r, () => (this.cached = null)));
  }

  policy(): Policy {
    this.cached ??= {
      roles: this.store.list('roles') as Policy['roles'],
      roleBindings: this.store.list('rolebindings') as Policy['roleBindings'],
      clusterRoles: this.store.list('clusterroles') as Policy['clusterRoles'],
      clusterRoleBindings: this.store.list('clusterrolebindings') as Policy['clusterRoleBindings'],
    };
    return this.cached;
  }

  /** May `user` make this request? The 403 Status to send when not. */
  check(user: UserInfo, method: string, url: string): Verdict {
    return checkRequest(this.policy(), user, method, url);
  }

  allows(a: Attributes): boolean {
    return authorize(this.policy(), a).allowed;
  }

  stop(): void {
    for (const s of this.stops) s();
  }
}
