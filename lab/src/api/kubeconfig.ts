// The lab's own kubeconfig file (never ~/.kube/config): cluster, user and context all named kiada-lab.
// Root writes it for the user the lab works for (their file, 0600, also under sudo), into a directory of theirs
// checked by OwnedDir; an existing file is replaced only if it is a kubeconfig of a lab (never, say, a real
// ~/.kube/config given by mistake to --kubeconfig), and a symlink there is replaced, never followed.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { LabError } from '../errors.ts';
import { OwnedDir, withOwnedDir, type Owner } from '../owned-dir.ts';

export const CONTEXT = 'kiada-lab';
const DIR = "the kubeconfig's directory";

export function kubeconfigYaml(o: { server: string; ca: string; token: string }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.ca).toString('base64') } }],
    users: [{ name: CONTEXT, user: { token: o.token } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace: 'default' } }],
    'current-context': CONTEXT,
    preferences: {},
  });
}

/** A kubeconfig as the lab writes it: one cluster, user and context, all kiada-lab. */
export function isLabKubeconfig(text: string | null): boolean {
  if (text === null) return false;
  try {
    const kc = parse(text);
    return kc?.['current-context'] === CONTEXT && kc.clusters?.length === 1 && kc.clusters[0].name === CONTEXT && kc.users?.length === 1 && kc.users[0].name === CONTEXT;
  } catch {
    return false;
  }
}

/** May the lab put its kubeconfig at `name` in `dir`? Nothing there, a symlink, or an earlier lab kubeconfig. */
function checkKubeconfigTarget(dir: OwnedDir, name: string): void {
  const kind = dir.kind(name);
  if (kind === 'missing' || kind === 'symlink') return;
  if (kind === 'file' && isLabKubeconfig(dir.readOwnFile(name))) return;
  throw new LabError(`${path.join(dir.path, name)} exists and is not a kubeconfig written by the lab: refusing to replace it; remove it or choose another --kubeconfig`);
}

/** Checks, before the lab starts, that the kubeconfig can go to `file` (its directory is made if missing). */
export function prepareKubeconfig(file: string, owner: Owner): { existed: boolean } {
  return withOwnedDir(path.dirname(file), owner, DIR, (d) => {
    checkKubeconfigTarget(d, path.basename(file));
    return { existed: d.kind(path.basename(file)) !== 'missing' };
  });
}

export function writeKubeconfig(file: string, o: { server: string; ca: string; token: string }, owner: Owner): void {
  withOwnedDir(path.dirname(file), owner, DIR, (d) => {
    checkKubeconfigTarget(d, path.basename(file));
    d.writeFile(path.basename(file), kubeconfigYaml(o), 0o600);
  });
}

/** Removes the lab's kubeconfig at `file` — only a file of the owner that is a lab kubeconfig; quiet otherwise. */
export function removeKubeconfig(file: string, owner: Owner): void {
  if (!fs.existsSync(path.dirname(file))) return;
  withOwnedDir(path.dirname(file), owner, DIR, (d) => {
    const name = path.basename(file);
    if (d.kind(name) === 'file' && isLabKubeconfig(d.readOwnFile(name))) d.remove(name);
  }, false);
}
