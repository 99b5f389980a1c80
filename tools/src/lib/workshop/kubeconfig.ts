// A student's own kubeconfig: the teacher's cluster (server, CA), the student's token, and a context whose default
// namespace is theirs — so `kubectl get pods` and every `kiada` command work there without -n.
import fs from 'node:fs';
import type { Cluster } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export const WORKSHOP_CLUSTER = 'kiada-workshop';

/** The cluster entry as a student may have it: no exec plugin or client certificate of the teacher's, only CA. */
export function clusterEntry(c: Cluster): Record<string, unknown> {
  const cluster: Record<string, unknown> = { server: c.server };
  const ca = c.caData ?? (c.caFile ? fs.readFileSync(c.caFile).toString('base64') : undefined);
  if (ca) cluster['certificate-authority-data'] = ca;
  if (c.skipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (c.tlsServerName) cluster['tls-server-name'] = c.tlsServerName;
  return cluster;
}

export function studentKubeconfig(o: { name: string; namespace: string; token: string; cluster: Record<string, unknown> }): string {
  const context = `${o.name}@${WORKSHOP_CLUSTER}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: WORKSHOP_CLUSTER, cluster: o.cluster }],
    users: [{ name: o.name, user: { token: o.token } }],
    contexts: [{ name: context, context: { cluster: WORKSHOP_CLUSTER, user: o.name, namespace: o.namespace } }],
    'current-context': context,
    preferences: {},
  });
}
