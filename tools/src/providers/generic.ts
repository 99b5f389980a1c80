// Any cluster: a short-lived hostNetwork pod pinned to the node runs curl there, and is always deleted. The
// printed `kubectl run` and the pod made are built from the same spec. It needs only what a workshop student has
// in their namespace (create, watch, log and delete pods) — and a namespace whose Pod Security level admits a
// hostNetwork pod (privileged; baseline and restricted refuse it), which a workshop teacher opts into.
import type { Ctx } from '../lib/context.ts';
import type { Provider } from './types.ts';
import { runOneOff, type OneOffSpec } from '../lib/oneoff.ts';
import { CliError, describeError, serverStatus } from '../lib/errors.ts';
import { curlWords } from './curl.ts';

/** The flag of `kiada workshop up` that lets students run hostNetwork pods in their namespaces. */
export const ALLOW_HOST_NETWORK_FLAG = '--allow-host-network';

/** Pod Security refused the hostNetwork pod: expected in a workshop whose teacher did not opt in (the tour goes on). */
export class HostNetworkRefused extends CliError {
  /** The refusal and its fix in one line (`kiada diagnose` marks the route "not tried" with it). */
  readonly short: string;
  constructor(message: string, short: string) {
    super(message);
    this.short = short;
  }
}

/** PodSecurity's refusal of the hostNetwork pod, with what to do about it; anything else as it is. */
export function explainRefusal(ctx: Ctx, err: unknown): unknown {
  const status = serverStatus(err);
  if (status?.reason !== 'Forbidden' || !/violates PodSecurity .*hostNetwork=true/.test(status.message)) return err;
  const level = /violates PodSecurity "([^":]+)/.exec(status.message)?.[1] ?? 'its level';
  return new HostNetworkRefused(`${describeError(err)}\n` +
    `curl-from-node runs a hostNetwork pod on the node here, and namespace "${ctx.namespace}" does not allow one (its Pod Security level). ` +
    `In a workshop the teacher allows it with \`kiada workshop up … ${ALLOW_HOST_NETWORK_FLAG}\`; elsewhere: kubectl label namespace ${ctx.namespace} pod-security.kubernetes.io/enforce=privileged --overwrite`,
  `Pod Security "${level}" of namespace "${ctx.namespace}" refuses the hostNetwork pod it needs (the teacher allows it with \`kiada workshop up … ${ALLOW_HOST_NETWORK_FLAG}\`)`);
}

export const generic: Provider = {
  name: 'generic',
  command: (ctx, r) => {
    const spec: OneOffSpec = { name: 'kiada-node-curl', image: 'curlimages/curl', args: curlWords(r), nodeName: r.nodeName, hostNetwork: true };
    const overrides = JSON.stringify({ spec: { nodeName: spec.nodeName, hostNetwork: spec.hostNetwork } });
    return {
      argv: ctx.kubectl('run', spec.name, '--rm', '-i', '--restart=Never', `--image=${spec.image}`, `--overrides=${overrides}`, '--', ...spec.args),
      run: async () => {
        try {
          const res = await runOneOff(ctx, spec);
          return { output: res.output, exitCode: res.exitCode };
        } catch (err) {
          throw explainRefusal(ctx, err);
        }
      },
    };
  },
};
