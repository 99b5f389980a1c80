// The trace API shows a caller the app's lines of a namespace only if RBAC lets that caller read pod logs there:
// Callers maps the trace's identity of a request's credentials to the user the API server authenticated.
import { describe, it, expect } from 'vitest';
import type http from 'node:http';
import { createStore } from '../../src/store/index.ts';
import { Authorizer } from '../../src/api/authz.ts';
import { Callers } from '../../src/callers.ts';
import { identityOf } from '../../src/trace/upgrade.ts';
import { serviceAccountUser } from '../../src/auth/users.ts';

const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as http.IncomingMessage;

describe('Callers', () => {
  it('lets a caller read app lines where RBAC lets them read pod logs, and nowhere for an unknown caller', () => {
    const store = createStore();
    store.create('roles', { metadata: { name: 'logs', namespace: 'ana' }, rules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }] });
    store.create('rolebindings', { metadata: { name: 'logs', namespace: 'ana' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'logs' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: 'ana' }] });
    const authz = new Authorizer(store);
    const callers = new Callers();
    const mayRead = callers.mayReadLogs(() => authz);
    callers.seen(req('ana-token'), serviceAccountUser('ana', 'student'));
    callers.seen(req('admin-token'), { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
    expect(mayRead(identityOf(req('ana-token')), 'ana')).toBe(true);
    expect(mayRead(identityOf(req('ana-token')), 'bo')).toBe(false);
    expect(mayRead(identityOf(req('admin-token')), 'bo')).toBe(true);
    expect(mayRead(identityOf(req('never-seen')), 'ana')).toBe(false);
    authz.stop();
  });
});
