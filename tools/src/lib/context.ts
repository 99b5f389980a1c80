// The cluster a command talks to, chosen as kubectl does: --kubeconfig alone, else every file of $KUBECONFIG merged
// (client-node's loadFromDefault()), else ~/.kube/config, and, when none exists, the kubeconfig of the caller's own
// running lab (the id from --lab-id, $KIADA_LAB_ID or "lab"; a lab of that id started by someone else is not used).
// The commands that only make HTTPS calls take an ApiCtx, read without client-node when the kubeconfig allows it
// (kubeconfig.ts); the others a Ctx, with client-node's KubeConfig.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { CliError } from './errors.ts';
import { createPrinter, type Printer } from './print.ts';
import { readKubeconfig, caAsDefault, type Connection } from './kubeconfig.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  quiet?: boolean;
  labId?: string;
}

/** What a command needs that only makes HTTPS calls to the API server (lib/http-api.ts). */
export interface ApiCtx {
  /** The API server and what authenticates a request to it, asked before each (an exec login renews its token). */
  connection(): Promise<Connection>;
  namespace: string;
  contextName: string;
  clusterName: string;
  /** The lab id given (--lab-id); the lab resolves the default ($KIADA_LAB_ID, else "lab") and checks it. */
  labId?: string;
  print: Printer;
  /** `kubectl` with the flags that select this cluster and namespace, for the printed commands. */
  kubectl(...args: string[]): string[];
}

export interface Ctx extends ApiCtx {
  kc: KubeConfig;
  /**
   * client-node's typed API, loaded at its first call: with it come every API model and undici (~50 ms), which
   * reading a pod (lib/raw-get.ts) does not need.
   */
  core: CoreV1Api;
}

/**
 * Where the kubeconfig comes from: the files to read (none: no cluster configured), and whether they are the
 * caller's running lab's, found for want of any other.
 */
export interface KubeconfigSource {
  from: 'flag' | 'env' | 'home' | 'lab' | 'none';
  files: string[];
}

export async function kubeconfigSource(opts: GlobalOptions): Promise<KubeconfigSource> {
  if (opts.kubeconfig) return { from: 'flag', files: [opts.kubeconfig] };
  if (process.env.KUBECONFIG) {
    // kubectl skips the files of $KUBECONFIG that do not exist (the lab's, after `lab down`) and reads a file
    // named twice once; client-node's loadFromDefault() would stop at the first missing one.
    const files = [...new Set(process.env.KUBECONFIG.split(path.delimiter).filter((f) => f && fs.existsSync(f)))];
    return { from: files.length ? 'env' : 'none', files };
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return { from: 'home', files: [home] };
  // The lab's status only when no kubeconfig is found: the commands that find one never load it. Its own module, not
  // the lab's control (up, down …): fast.cjs holds it, so a command on the lab found this way runs from fast.cjs too.
  const lab = (await import('@kiada/lab/status.ts')).labStatus({ id: opts.labId });
  return lab.running && lab.mine ? { from: 'lab', files: [lab.state!.kubeconfig] } : { from: 'none', files: [] };
}

const NO_CLUSTER = 'error: no cluster to talk to: start the lab with `kiada lab up`, or point KUBECONFIG at your kind or Minikube cluster';

async function loadKubeconfig(src: KubeconfigSource): Promise<KubeConfig> {
  // Imported here: the commands that take an ApiCtx load client-node only for a kubeconfig kubeconfig.ts leaves to it.
  const kc = (await import('./client-node-config.ts')).newKubeConfig();
  try {
    if (src.from === 'env' || src.from === 'home') {
      // true: the first file's current-context wins, as with kubectl (client-node's default: the last file's).
      kc.loadFromDefault(undefined, true);
    } else {
      kc.loadFromFile(src.files[0]);
    }
  } catch (err) {
    throw new CliError(`error: cannot read kubeconfig ${src.files.join(path.delimiter)}: ${(err as Error).message}`);
  }
  return kc;
}

/** The files of the kubeconfig to use; a CliError when there is none. */
async function kubeconfigFiles(opts: GlobalOptions): Promise<KubeconfigSource> {
  const src = await kubeconfigSource(opts);
  if (src.from === 'none' || (src.from === 'flag' && !fs.existsSync(src.files[0]))) throw new CliError(NO_CLUSTER);
  // The files kubectl reads, for client-node too, and for a kubectl this process runs.
  if (src.from === 'env') process.env.KUBECONFIG = src.files.join(path.delimiter);
  return src;
}

/** Everything of a context but its connection: the namespace, the printer, the kubectl command line. */
function baseCtx(opts: GlobalOptions, contextName: string, clusterName: string, contextNamespace: string | undefined, connection: ApiCtx['connection']): ApiCtx {
  const namespace = opts.namespace ?? contextNamespace ?? 'default';
  const flags: string[] = [];
  if (opts.kubeconfig) flags.push('--kubeconfig', opts.kubeconfig);
  if (opts.context) flags.push('--context', opts.context);
  if (namespace !== (contextNamespace ?? 'default')) flags.push('-n', namespace);
  return {
    connection,
    namespace,
    contextName,
    clusterName,
    labId: opts.labId,
    print: createPrinter({ quiet: opts.quiet }),
    // Global flags first, as in `kubectl -n workshop get pod kiada`: valid for every verb, also before `--`.
    kubectl: (...args) => ['kubectl', ...flags, ...args],
  };
}

/**
 * For the commands that only make HTTPS calls: the kubeconfig read as client-node reads it, without loading it
 * (kubeconfig.ts), when it has a token or client certificates; else createCtx's.
 */
export async function createApiCtx(opts: GlobalOptions): Promise<ApiCtx> {
  const src = await kubeconfigFiles(opts);
  const kc = readKubeconfig(src.files, opts.context);
  if (!kc) return createCtx(opts, src);
  const connection = caAsDefault(kc.connection);
  return baseCtx(opts, kc.contextName, kc.clusterName, kc.namespace, async () => connection);
}

export async function createCtx(opts: GlobalOptions, source?: KubeconfigSource): Promise<Ctx> {
  const src = source ?? (await kubeconfigFiles(opts));
  const kc = await loadKubeconfig(src);
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new CliError(`error: context "${opts.context}" does not exist`);
    kc.setCurrentContext(opts.context);
  }
  const current = kc.getContextObject(kc.getCurrentContext());
  if (!current) throw new CliError(kc.getCurrentContext() ? `error: context "${kc.getCurrentContext()}" does not exist` : 'error: current-context is not set');
  // As applyToHTTPSOptions makes them for each request; without a proxy, Node's global agent, which keeps
  // connections alive per server and TLS options (client-node's agent for the cluster would close them).
  const connection = async (): Promise<Connection> => {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('no current cluster in the kubeconfig');
    const options: Connection['options'] = {};
    await kc.applyToHTTPSOptions(options);
    if (!kc.getCurrentCluster()?.proxyUrl) delete options.agent;
    return { server, options };
  };
  let api: Promise<CoreV1Api> | undefined;
  const core = async () => (await (api ??= import('./core-api.ts').then((m) => m.makeCoreApi(kc)))) as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
  return {
    ...baseCtx(opts, kc.getCurrentContext(), current.cluster ?? '', current.namespace, connection),
    kc,
    // Every method of CoreV1Api returns a promise: each becomes one that loads the API first.
    core: new Proxy({} as CoreV1Api, {
      get: (_, method) => (method === 'then' ? undefined : async (...args: unknown[]) => (await core())[method](...args)),
    }),
  };
}
