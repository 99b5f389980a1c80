// The API server and the credentials of a kubeconfig, read without @kubernetes/client-node for the commands that
// only make HTTPS calls (pod-ip, ports, logs, curl-from-pod): loading client-node's KubeConfig and js-yaml costs
// ~10 ms of a command that kubectl runs in ~48 (bench/README.md). It gives what client-node gives — the same files
// read the same way (loadFromDefault / loadFromFile: the first file's current-context, later files merged,
// relative certificate paths against the file's directory, token-file relative to the working directory) and
// what applyToHTTPSOptions puts into a request — for kubeconfigs with a token or client certificates. For
// anything else (exec and auth-provider logins, basic auth, impersonation, proxies, YAML outside
// kubeconfig-yaml.ts's subset, and every error) it gives undefined, and the caller uses client-node, which then
// logs in, or fails, as it always did (tools/test/kubeconfig.test.ts compares the two on many shapes).
import fs from 'node:fs';
import path from 'node:path';
import type https from 'node:https';
import { parseKubeconfigYaml } from './kubeconfig-yaml.ts';

/** Where an API call goes and what authenticates it. */
export interface Connection {
  /** The server's URL, as the kubeconfig has it. */
  server: string;
  /** node:https request options: the TLS options (ca, cert, key, servername, rejectUnauthorized) and headers. */
  options: https.RequestOptions;
}

export interface Kubeconfig {
  contextName: string;
  clusterName: string;
  /** The context's namespace, if it has one. */
  namespace?: string;
  connection: Connection;
}

interface Named {
  name: string;
  [k: string]: any;
}

/** What client-node's newClusters/newUsers/newContexts keep of one file (config_types.js), paths made absolute. */
function load(file: string) {
  const obj = parseKubeconfigYaml(fs.readFileSync(file, 'utf8')) as Record<string, any>;
  const list = (a: unknown, each: (e: any) => Named): Named[] => (Array.isArray(a) ? a.map(each) : []);
  const must = (v: any): any => v || unsupported();
  // makePathsAbsolute: relative to the file's directory (but not token-file, read as it is, from the working directory).
  const abs = (f: unknown) => (f ? (path.isAbsolute(f as string) ? f : path.join(path.dirname(file), f as string)) : f);
  return {
    currentContext: obj['current-context'],
    clusters: list(obj.clusters, (e) => ({
      name: must(e.name),
      caData: must(e.cluster)['certificate-authority-data'],
      caFile: abs(e.cluster['certificate-authority']),
      server: (must(e.cluster.server) as string).replace(/\/$/, ''),
      skipTLSVerify: e.cluster['insecure-skip-tls-verify'] === true,
      tlsServerName: e.cluster['tls-server-name'],
      proxyUrl: e.cluster['proxy-url'],
    })),
    users: list(obj.users, (e) => {
      const u = e.user;
      return {
        name: must(e.name),
        authProvider: u ? u['auth-provider'] : null,
        exec: u ? u.exec : null,
        certData: u ? u['client-certificate-data'] : null,
        certFile: abs(u ? u['client-certificate'] : null),
        keyData: u ? u['client-key-data'] : null,
        keyFile: abs(u ? u['client-key'] : null),
        token: u?.token ? u.token : u?.['token-file'] ? fs.readFileSync(u['token-file']).toString() : undefined,
        username: u ? u.username : null,
        impersonateUser: u ? u.as : null,
      };
    }),
    contexts: list(obj.contexts, (e) => ({
      name: must(e.name),
      cluster: must(must(e.context).cluster),
      user: e.context.user || undefined,
      namespace: e.context.namespace || undefined,
    })),
  };
}

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

/** client-node's bufferFromFileOrString. */
const fileOrData = (file: unknown, data: unknown): Buffer | null => (file ? fs.readFileSync(file as string) : data ? Buffer.from(data as string, 'base64') : null);

/**
 * The kubeconfig of these files (the first file's current-context, or `context`), as client-node would use it for
 * a request; undefined when client-node must read it (see above).
 */
export function readKubeconfig(files: string[], context?: string): Kubeconfig | undefined {
  try {
    const [first, ...more] = files.map(load);
    if (!first) return undefined;
    // mergeConfig(…, preserveContext): the first file's current-context; a name twice is client-node's error.
    for (const kind of ['clusters', 'users', 'contexts'] as const) {
      for (const other of more) {
        for (const e of other[kind]) if (first[kind].some((f) => f.name === e.name)) return undefined;
        (first[kind] as Named[]).push(...other[kind]);
      }
    }
    const find = (list: Named[], name: unknown) => list.find((e) => e.name === name);
    const ctx = find(first.contexts, context ?? first.currentContext);
    const cluster = ctx && find(first.clusters, ctx.cluster);
    const user = ctx && find(first.users, ctx.user);
    if (!ctx || !cluster || !user) return undefined;
    if (user.authProvider || user.exec || user.username || user.impersonateUser != null || cluster.proxyUrl) return undefined;
    // Plain http only with insecure-skip-tls-verify (client-node refuses it otherwise).
    if (!(cluster.server.startsWith('https:') || (cluster.server.startsWith('http:') && cluster.skipTLSVerify))) return undefined;
    // applyHTTPSOptions, then applyAuthorizationHeader.
    const options: https.RequestOptions = {};
    if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
    if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    const ca = fileOrData(cluster.caFile, cluster.caData);
    if (ca) options.ca = ca;
    const cert = fileOrData(user.certFile, user.certData);
    if (cert) options.cert = cert;
    const key = fileOrData(user.keyFile, user.keyData);
    if (key) options.key = key;
    options.headers = user.token ? { Authorization: `Bearer ${user.token}` } : {};
    return { contextName: ctx.name, clusterName: ctx.cluster, namespace: ctx.namespace, connection: { server: cluster.server, options } };
  } catch {
    return undefined;
  }
}

/**
 * The connection with the kubeconfig's CA as the process's default CAs rather than a `ca` option, which trusts the
 * same (that CA alone; not Node's root certificates, nor $NODE_EXTRA_CA_CERTS). Given `ca`, Node makes a TLS
 * context's CA store by first making its default one — ~140 root certificates and every one of $NODE_EXTRA_CA_CERTS,
 * parsed — only to replace it: ~1 ms, 3–9 ms with that variable set (as on the benchmark's machine). Only for a
 * process that talks TLS to this API server alone (an ApiCtx from readKubeconfig: no login plugin fetching tokens
 * elsewhere). As it was when the CA is not PEM, or on a Node without tls.setDefaultCACertificates.
 */
export function caAsDefault(c: Connection): Connection {
  const { ca, ...options } = c.options;
  const pems = ca && c.server.startsWith('https:') ? Buffer.from(ca as Buffer).toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) : null;
  const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls') & { setDefaultCACertificates?: (certs: string[]) => void };
  if (!pems || !tls.setDefaultCACertificates) return c;
  try {
    tls.setDefaultCACertificates(pems);
  } catch {
    return c; // then the request fails on it as client-node's would
  }
  return { server: c.server, options };
}
