// Providers that run a local program (docker, minikube, gcloud): the argv is built exactly, no shell involved.
import { execFile } from 'node:child_process';
import type { NodeCurl, Provider } from './types.ts';
import { CliError } from '../lib/errors.ts';

export function execProvider(name: string, argv: (req: NodeCurl) => string[]): Provider {
  return {
    name,
    argv,
    run: (_ctx, req) =>
      new Promise((resolve, reject) => {
        const [cmd, ...args] = argv(req);
        execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new CliError(`error: \`${cmd}\` is not installed or not on the PATH (needed by the ${name} provider)`));
          if (stderr) process.stderr.write(stderr);
          resolve({ output: stdout, exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
        });
      }),
  };
}

const curl = (url: string) => ['curl', '-s', '--max-time', '10', url];

/** kind: nodes are containers: `docker exec kind-worker curl …` */
export const kind = execProvider('kind', (r) => ['docker', 'exec', r.nodeName, ...curl(r.url)]);

/** Minikube: `minikube ssh` into the node; -n for the other nodes of a multi-node cluster. */
export const minikube = execProvider('minikube', (r) => ['minikube', 'ssh', ...(r.nodeName === 'minikube' ? [] : ['-n', r.nodeName]), '--', ...curl(r.url)]);

/** GKE: `gcloud compute ssh NODE --zone Z --command "curl …"` (the zone from the node's topology label). */
export const gke = execProvider('gke', (r) => {
  const zone = r.node.metadata?.labels?.['topology.kubernetes.io/zone'] ?? r.node.metadata?.labels?.['failure-domain.beta.kubernetes.io/zone'];
  if (!zone) throw new CliError(`error: node ${r.nodeName} has no topology.kubernetes.io/zone label; is this a GKE node?`);
  // --command is one argument: its content is run by the remote shell, so the URL is quoted for it.
  return ['gcloud', 'compute', 'ssh', r.nodeName, '--zone', zone, '--command', curl(r.url).map((a) => `'${a}'`).join(' ')];
});
