// The default ClusterRoles and ClusterRoleBindings (bootstrap-policy.yaml says where they come from), and a policy
// with admin/edit/view aggregated, for the API server to seed its store with and for tests.
import fs from 'node:fs';
import { parse } from 'yaml';
import { aggregateClusterRoles } from './aggregation.ts';
import type { ClusterRole, ClusterRoleBinding, Policy } from './rbac.ts';

const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
}

/** Fresh copies on every call (callers may store and change them). */
export function bootstrapPolicy(): BootstrapPolicy {
  const data = parse(fs.readFileSync(new URL('./bootstrap-policy.yaml', import.meta.url), 'utf8')) as BootstrapPolicy;
  return {
    clusterRoles: data.clusterRoles.map((r) => ({ apiVersion: RBAC_V1, kind: 'ClusterRole', ...r })),
    clusterRoleBindings: data.clusterRoleBindings.map((b) => ({ apiVersion: RBAC_V1, kind: 'ClusterRoleBinding', ...b })),
  };
}

/** The bootstrap policy as a running cluster has it: aggregated roles filled in, no namespaced objects yet. */
export function defaultPolicy(): Policy {
  const p = bootstrapPolicy();
  return { roles: [], roleBindings: [], clusterRoles: aggregateClusterRoles(p.clusterRoles), clusterRoleBindings: p.clusterRoleBindings };
}
