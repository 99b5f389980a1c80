// Providers that run a local program (docker, minikube, gcloud): the argv is built exactly and run without a
// local shell. minikube and gcloud hand their command to the node's shell: that command line is quoted word by
// word (shellJoin), so a URL reaches curl as one word whatever it holds.
import { execFile } from 'node:child_process';
import type { NodeCurl, Provider } from './types.ts';
import { CliError } from '../lib/errors.ts';
import { shellJoin } from '../lib/shell.ts';
import { curlWords } from './curl.ts';

export function execProvider(name: string, build: (req: NodeCurl) => string[]): Provider {
  return {
    name,
    command: (_ctx, req) => {
      const argv = build(req);
      return {
        argv,
        run: () =>
          new Promise((resolve, reject) => {
            const [cmd, ...args] = argv;
            execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
              if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new CliError(`error: \`${cmd}\` is not installed or not on the PATH (needed by the ${name} provider)`));
              if (stderr) process.stderr.write(stderr);
              resolve({ output: stdout, exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
            });
          }),
      };
    },
  };
}

/** kind: nodes are containers: `docker exec kind-worker curl …` (docker passes the words as they are). */
export const kind = execProvider('kind', (r) => ['docker', 'exec', r.nodeName, ...curlWords(r)]);

/** Minikube: `minikube ssh` into the node (-n for the other nodes); it joins its arguments into one command line. */
export const minikube = execProvider('minikube', (r) => ['minikube', 'ssh', ...(r.nodeName === 'minikube' ? [] : ['-n', r.nodeName]), '--', shellJoin(curlWords(r))]);

/** GKE: `gcloud compute ssh NODE --zone Z --command "curl …"` (the zone from the node's topology label). */
export const gke = execProvider('gke', (r) => {
  if (!r.node) throw new CliError(`error: the gke provider needs node ${r.nodeName}'s zone, and you may not read nodes: use --provider generic (a hostNetwork pod on the node)`);
  const zone = r.node.metadata?.labels?.['topology.kubernetes.io/zone'] ?? r.node.metadata?.labels?.['failure-domain.beta.kubernetes.io/zone'];
  if (!zone) throw new CliError(`error: node ${r.nodeName} has no topology.kubernetes.io/zone label; is this a GKE node?`);
  return ['gcloud', 'compute', 'ssh', r.nodeName, '--zone', zone, '--command', shellJoin(curlWords(r))];
});
