// The cluster a command talks to, chosen as kubectl does: --kubeconfig, then $KUBECONFIG, then ~/.kube/config,
// and, when none exists, the kubeconfig of the caller's own running lab (the id from --lab-id, $KIADA_LAB_ID or
// "lab"; a lab of that id started by someone else is not used).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { labStatus } from '@kiada/lab/control.ts';
import { resolveLabId } from '@kiada/lab/paths.ts';
import { CliError } from './errors.ts';
import { createPrinter, type Printer } from './print.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  quiet?: boolean;
  labId?: string;
}

export interface Ctx {
  kc: KubeConfig;
  core: CoreV1Api;
  namespace: string;
  contextName: string;
  clusterName: string;
  kubeconfigPath: string;
  labId: string;
  print: Printer;
  /** `kubectl` with the flags that select this cluster and namespace, for the printed commands. */
  kubectl(...args: string[]): string[];
}

/** The kubeconfig file to use, and whether it is the running lab's found for want of any other. */
export function kubeconfigSource(opts: GlobalOptions): { file?: string; fromLab: boolean } {
  if (opts.kubeconfig) return { file: opts.kubeconfig, fromLab: false };
  if (process.env.KUBECONFIG) return { file: process.env.KUBECONFIG.split(':')[0], fromLab: false };
  const home = path.join(os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return { file: home, fromLab: false };
  const lab = labStatus({ id: opts.labId });
  return lab.running && lab.mine ? { file: lab.state!.kubeconfig, fromLab: true } : { fromLab: false };
}

export function findKubeconfig(opts: GlobalOptions): string | undefined {
  return kubeconfigSource(opts).file;
}

export function createCtx(opts: GlobalOptions): Ctx {
  const file = findKubeconfig(opts);
  if (!file || !fs.existsSync(file)) {
    throw new CliError('error: no cluster to talk to: start the lab with `kiada lab up`, or point KUBECONFIG at your kind or Minikube cluster');
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new CliError(`error: cannot read kubeconfig ${file}: ${(err as Error).message}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new CliError(`error: context "${opts.context}" does not exist`);
    kc.setCurrentContext(opts.context);
  }
  const current = kc.getContextObject(kc.getCurrentContext());
  const namespace = opts.namespace ?? current?.namespace ?? 'default';
  const flags: string[] = [];
  if (opts.kubeconfig) flags.push('--kubeconfig', opts.kubeconfig);
  if (opts.context) flags.push('--context', opts.context);
  if (namespace !== (current?.namespace ?? 'default')) flags.push('-n', namespace);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    namespace,
    contextName: kc.getCurrentContext(),
    clusterName: current?.cluster ?? '',
    kubeconfigPath: file,
    labId: resolveLabId(opts.labId),
    print: createPrinter({ quiet: opts.quiet }),
    // Global flags first, as in `kubectl -n workshop get pod kiada`: valid for every verb, also before `--`.
    kubectl: (...args) => ['kubectl', ...flags, ...args],
  };
}
