// The lab: the node is a network namespace; `kiada lab node-shell` is its `docker exec`.
import { nodeShellSpawn } from '@kiada/lab/control.ts';
import type { Provider } from './types.ts';

export const lab: Provider = {
  name: 'lab',
  argv: (r) => ['kiada', 'lab', 'node-shell', r.nodeName, '--', 'curl', '-s', '--max-time', '10', r.url],
  run: (ctx, r) =>
    new Promise((resolve, reject) => {
      const child = nodeShellSpawn({ id: ctx.labId, node: r.nodeName, argv: ['curl', '-s', '--max-time', '10', r.url], stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ output, exitCode: code ?? 1 }));
    }),
};
