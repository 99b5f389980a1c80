// The lab: the node is a network namespace; `kiada lab node-shell NODE -- CMD` is its `docker exec`, and running
// it is entering that namespace with CMD, which is what run does here (in this process, no second CLI). Entering
// it takes root on the lab's machine; anyone else (a user with only namespace rights, like a workshop student)
// gets what they would get on a real cluster with the same rights: the generic provider's hostNetwork pod, which
// the namespace's Pod Security level may refuse as kube-apiserver's would.
import { nodeShellSpawn } from '@kiada/lab/control.ts';
import type { Provider } from './types.ts';
import { curlWords } from './curl.ts';
import { generic } from './generic.ts';

/** Can this process enter the lab's nodes? (nsenter into another user's namespaces needs root.) */
export const canUseNodeShell = () => process.getuid?.() === 0;

export const lab: Provider = {
  name: 'lab',
  command: (ctx, r) => {
    if (!canUseNodeShell()) return generic.command(ctx, r);
    const argv = ['kiada', 'lab', 'node-shell', r.nodeName, '--', ...curlWords(r)];
    return {
      argv,
      run: () =>
        new Promise((resolve, reject) => {
          const child = nodeShellSpawn({ id: ctx.labId, node: argv[3], argv: argv.slice(argv.indexOf('--') + 1), stdio: ['ignore', 'pipe', 'inherit'] });
          let output = '';
          child.stdout!.on('data', (d) => (output += d));
          child.once('error', reject);
          child.once('exit', (code) => resolve({ output, exitCode: code ?? 1 }));
        }),
    };
  },
};
