// Providers behind one interface, chosen from the context and cluster names like a reader would guess.
import type { Provider } from './types.ts';
import { kind, minikube, gke } from './exec-provider.ts';
import { lab } from './lab.ts';
import { generic } from './generic.ts';
import { CliError } from '../lib/errors.ts';

export const PROVIDERS: Record<string, Provider> = { lab, kind, minikube, gke, generic };

export function chooseProvider(contextName: string, clusterName: string, override?: string): Provider {
  if (override) {
    const p = PROVIDERS[override];
    if (!p) throw new CliError(`error: unknown provider "${override}": use one of ${Object.keys(PROVIDERS).join(', ')}`);
    return p;
  }
  const name = `${contextName} ${clusterName}`;
  if (/\bkiada-lab\b/.test(name)) return lab;
  if (/(^|\s)kind-/.test(name)) return kind;
  if (/\bminikube\b/.test(name)) return minikube;
  if (/(^|\s)gke_/.test(name)) return gke;
  return generic;
}

export type { Provider, NodeCurl, NodeCommand } from './types.ts';
