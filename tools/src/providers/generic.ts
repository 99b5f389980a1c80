// Any cluster: a short-lived hostNetwork pod pinned to the node runs curl there, and is always deleted. The
// printed `kubectl run` and the pod made are built from the same spec.
import type { Provider } from './types.ts';
import { runOneOff, type OneOffSpec } from '../lib/oneoff.ts';
import { curlWords } from './curl.ts';

export const generic: Provider = {
  name: 'generic',
  command: (ctx, r) => {
    const spec: OneOffSpec = { name: 'kiada-node-curl', image: 'curlimages/curl', args: curlWords(r), nodeName: r.nodeName, hostNetwork: true };
    const overrides = JSON.stringify({ spec: { nodeName: spec.nodeName, hostNetwork: spec.hostNetwork } });
    return {
      argv: ctx.kubectl('run', spec.name, '--rm', '-i', '--restart=Never', `--image=${spec.image}`, `--overrides=${overrides}`, '--', ...spec.args),
      run: async () => {
        const res = await runOneOff(ctx, spec);
        return { output: res.output, exitCode: res.exitCode };
      },
    };
  },
};
