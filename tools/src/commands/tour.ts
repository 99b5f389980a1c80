// `kiada tour [--step]`: chapter 5's ways to talk to a pod, one after the other, on the current cluster
// (the lab when there is none: started if needed), with kiada deployed from k8s/pod.kiada.yaml if absent.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { V1Pod } from '@kubernetes/client-node';
import { labUp } from '@kiada/lab/control.ts';
import { createCtx, kubeconfigSource, type Ctx, type GlobalOptions } from '../lib/context.ts';
import { exportLine } from './lab.ts';
import { withSpinner } from '../lib/spinner.ts';
import { CliError, codeOf } from '../lib/errors.ts';
import { podIp } from './pod-ip.ts';
import { ports } from './ports.ts';
import { curlFromNode } from './curl-from-node.ts';
import { HostNetworkRefused } from '../providers/generic.ts';
import { curlFromPod } from './curl-from-pod.ts';
import { startPortForward } from './port-forward.ts';
import { logs } from './logs.ts';
import { exec } from './exec.ts';

const MANIFEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'k8s', 'pod.kiada.yaml');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ensureKiada(ctx: Ctx): Promise<void> {
  try {
    await ctx.core.readNamespacedPod({ name: 'kiada', namespace: ctx.namespace });
  } catch (err) {
    if (codeOf(err) !== 404) throw err;
    ctx.print.info('kiada is not deployed yet: creating it from k8s/pod.kiada.yaml.\n');
    ctx.print.command(ctx.kubectl('apply', '-f', 'k8s/pod.kiada.yaml'));
    await ctx.core.createNamespacedPod({ namespace: ctx.namespace, body: parse(fs.readFileSync(MANIFEST, 'utf8')) as V1Pod });
  }
  await withSpinner('waiting for kiada to be ready', (async () => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const p = await ctx.core.readNamespacedPod({ name: 'kiada', namespace: ctx.namespace });
      if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
      const waiting = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff') {
        throw new CliError(`error: kiada cannot start (${waiting}): load the image first, e.g. \`kind load docker-image kiada:0.1\` or \`minikube image load kiada:0.1\``);
      }
      if (Date.now() > deadline) throw new CliError('error: timed out waiting for the kiada pod to become ready');
      await sleep(200);
    }
  })());
}

export async function tour(opts: GlobalOptions & { step?: boolean }): Promise<void> {
  let startedLab = false;
  const found = await kubeconfigSource(opts);
  let labKubeconfig = found.from === 'lab' ? found.files[0] : undefined;
  // A KUBECONFIG naming only files that are not there (the lab's own after `lab down`) is no cluster either;
  // an explicit --kubeconfig must exist (createCtx says so).
  if (found.from === 'none') {
    process.stdout.write('No cluster configured: starting the lab, a kind-like cluster of network namespaces.\n');
    labKubeconfig = (await labUp({ id: opts.labId })).kubeconfig;
    startedLab = true;
  }
  // Whenever the tour uses the lab's kubeconfig without $KUBECONFIG saying so (every run, not only the first),
  // it says how: the kubectl commands it prints then work as they are when pasted into a new shell.
  if (labKubeconfig) {
    process.env.KUBECONFIG = labKubeconfig;
    process.stdout.write(`The commands below use it through: ${exportLine(labKubeconfig)}\n`);
  }
  const ctx = await createCtx(opts);
  process.stdout.write(`Cluster: context ${ctx.contextName}, namespace ${ctx.namespace}.\n`);
  process.stdout.write('To watch each request travel hop by hop, run `kiada view` in another terminal: it prints the page to open.\n');
  await ensureKiada(ctx);
  const rl = opts.step && process.stdin.isTTY ? readline.createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  const steps: [string, () => Promise<unknown>][] = [
    ['The pod has its own IP address, reachable from every node and pod in the cluster.', () => podIp(ctx, 'kiada', { output: 'wide' })],
    ['The pod spec lists the ports the container exposes; they are informative only.', () => ports(ctx, 'kiada', {})],
    ['Log into the node that runs the pod and curl it: the client IP is the node\'s bridge address.', () => curlFromNode(ctx, 'kiada', {})],
    ['A one-off client pod curls kiada: the client IP is that pod\'s own IP. The pod is deleted afterwards.', () => curlFromPod(ctx, 'kiada', {})],
    ['Port-forwarding connects a local port to the pod\'s loopback: the client IP is 127.0.0.1.', async () => {
      const pf = await startPortForward(ctx, 'kiada', ['0:8080'], { address: ['127.0.0.1'] });
      try {
        const res = await fetch(`http://127.0.0.1:${pf.forwards[0].local}/`);
        ctx.print.command(['curl', `localhost:${pf.forwards[0].local}`]);
        ctx.print.out(await res.text());
      } finally {
        await pf.close();
      }
    }],
    ['The app logs every request to its standard output; kubectl logs reads it.', () => logs(ctx, 'kiada', {})],
    ['kubectl exec runs a command inside the container: curl its own loopback.', () => exec(ctx, 'kiada', ['curl', '-s', 'localhost:8080'], {})],
  ];
  let refused: number | undefined;
  for (const [i, [why, run]] of steps.entries()) {
    process.stdout.write(`\n── Step ${i + 1} of ${steps.length}: ${why}\n`);
    if (rl) await rl.question('(press Enter to run it) ');
    try {
      await run();
    } catch (err) {
      // A workshop student's namespace refuses curl-from-node's hostNetwork pod until the teacher allows it: say
      // so and go on, rather than leave the other routes untried. Any other failure ends the tour.
      if (!(err instanceof HostNetworkRefused)) throw err;
      ctx.print.info(`${err.message}\n`);
      refused = i + 1;
    }
  }
  rl?.close();
  if (refused !== undefined) throw new CliError(`error: step ${refused} (curl from the node) was refused by the namespace's Pod Security level (see above); every other step ran`);
  process.stdout.write('\nThat is every way of chapter 5 to talk to the pod. `kiada --help` lists the commands.\n');
  if (startedLab) process.stdout.write('The lab keeps running for you to try them; `npx kiada lab down` stops it and removes everything it made.\n');
}
