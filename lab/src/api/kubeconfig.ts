// The lab's own kubeconfig file (never ~/.kube/config): cluster, user and context all named kiada-lab.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export const CONTEXT = 'kiada-lab';

export function writeKubeconfig(file: string, o: { server: string; ca: string; token: string }): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.ca).toString('base64') } }],
    users: [{ name: CONTEXT, user: { token: o.token } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace: 'default' } }],
    'current-context': CONTEXT,
    preferences: {},
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
}
