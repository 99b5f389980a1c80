// The default ClusterRoles and ClusterRoleBindings (bootstrap-policy.yaml says where they come from), and a policy
// with admin/edit/view aggregated, for the API server to seed its store with and for tests.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { aggregateClusterRoles } from './aggregation.ts';
import { cacheFile, readCached, writeCached } from '../cache-file.ts';
import type { ClusterRole, ClusterRoleBinding, Policy } from './rbac.ts';

const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
}

const POLICY_FILE = fileURLToPath(new URL('./bootstrap-policy.yaml', import.meta.url));

/**
 * Fresh copies on every call (callers may store and change them). `cacheDir`: the daemon's, where the parsed policy
 * is kept (cache-file.ts): YAML parsing is ~35 ms of its start.
 */
export function bootstrapPolicy(cacheDir?: string): BootstrapPolicy {
  const file = cacheFile(cacheDir, 'bootstrap-policy', [POLICY_FILE]);
  let data = readCached(file) as BootstrapPolicy | undefined;
  if (!data) {
    data = parse(fs.readFileSync(POLICY_FILE, 'utf8')) as BootstrapPolicy;
    writeCached(file, data);
  }
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
