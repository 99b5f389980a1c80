// Who is behind each set of credentials the trace API has seen (it knows a caller by a hash of the Authorization
// header), so that it shows the app's log lines of a namespace only to callers whose pod logs there RBAC lets them
// read. The API server tells it each authenticated request; the most recent 1000 callers are kept.
import type http from 'node:http';
import type { UserInfo } from './auth/users.ts';
import type { Authorizer } from './api/authz.ts';
import { identityOf } from './trace/upgrade.ts';

const MAX = 1000;

export class Callers {
  private readonly users = new Map<string, UserInfo>();

  seen(req: http.IncomingMessage, user: UserInfo): void {
    const id = identityOf(req);
    this.users.delete(id);
    this.users.set(id, user);
    if (this.users.size > MAX) this.users.delete(this.users.keys().next().value!);
  }

  /** mayRead for the trace API: may this caller `get pods/log` in the namespace? */
  mayReadLogs(authorizer: () => Authorizer | undefined): (identity: string, namespace: string) => boolean {
    return (identity, namespace) => {
      const user = this.users.get(identity);
      const authz = authorizer();
      return !!user && !!authz && authz.allows({ user, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'pods', subresource: 'log', namespace });
    };
  }
}
