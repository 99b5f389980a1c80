// A short-lived pod that runs one command and is deleted on every path: success, failure, timeout, Ctrl-C,
// SIGTERM. Used by curl-from-pod (the book's `kubectl run --rm -it`) and the generic curl-from-node.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { Ctx } from './context.ts';
import { CliError } from './errors.ts';
import { withSpinner } from './spinner.ts';

export interface OneOffSpec {
  name: string;
  image: string;
  args: string[];
  nodeName?: string;
  hostNetwork?: boolean;
  timeoutMs?: number;
}

export interface OneOffResult {
  name: string;
  output: string;
  exitCode: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createWithFreshName(ctx: Ctx, spec: OneOffSpec): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = attempt === 0 ? spec.name : `${spec.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'kiada', run: spec.name } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
        ...(spec.hostNetwork ? { hostNetwork: true } : {}),
        containers: [{ name: spec.name, image: spec.image, args: spec.args }],
      },
    };
    try {
      await ctx.core.createNamespacedPod({ namespace: ctx.namespace, body: pod });
      return name;
    } catch (err) {
      // A name clash: pick a fresh name rather than fail (someone else's client-pod stays untouched).
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  throw new CliError(`error: could not find a free name for pod ${spec.name}`);
}

export async function runOneOff(ctx: Ctx, spec: OneOffSpec): Promise<OneOffResult> {
  let creating: Promise<string> | undefined;
  let deleting: Promise<void> | undefined;
  // Deletes the pod if it exists or is being created: a signal during the create call must not leave the pod
  // behind once the API server has made it.
  const cleanup = () =>
    (deleting ??= (async () => {
      const name = await creating?.catch(() => undefined);
      if (!name) return;
      await ctx.core.deleteNamespacedPod({ name, namespace: ctx.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    creating = createWithFreshName(ctx, spec);
    const created = await creating;
    const deadline = Date.now() + (spec.timeoutMs ?? 60_000);
    const pod = await withSpinner(`waiting for pod ${created}`, (async () => {
      for (;;) {
        const p = await ctx.core.readNamespacedPod({ name: created, namespace: ctx.namespace });
        const waiting = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        if (waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff') throw new CliError(`error: pod ${created} cannot start: ${waiting} (image ${spec.image})`);
        if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return p;
        if (Date.now() > deadline) throw new CliError(`error: timed out waiting for pod ${created} to complete`);
        await sleep(50);
      }
    })());
    const output = await ctx.core.readNamespacedPodLog({ name: created, namespace: ctx.namespace });
    const exitCode = pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ?? 1;
    return { name: created, output: typeof output === 'string' ? output : String(output), exitCode };
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
