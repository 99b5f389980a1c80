// Any cluster: a short-lived hostNetwork pod pinned to the node runs curl there, and is always deleted.
import type { Provider } from './types.ts';
import { runOneOff } from '../lib/oneoff.ts';

export const generic: Provider = {
  name: 'generic',
  argv: (r) => [
    'kubectl', 'run', 'kiada-node-curl', '--rm', '-i', '--restart=Never', '--image=curlimages/curl',
    `--overrides={"spec":{"nodeName":"${r.nodeName}","hostNetwork":true}}`, '--', 'curl', '-s', r.url,
  ],
  run: async (ctx, r) => {
    const res = await runOneOff(ctx, { name: 'kiada-node-curl', image: 'curlimages/curl', args: ['curl', '-s', '--max-time', '10', r.url], nodeName: r.nodeName, hostNetwork: true });
    return { output: res.output, exitCode: res.exitCode };
  },
};
