// A short-lived pod that runs one command and is deleted on every path: success, failure, timeout, Ctrl-C,
// SIGTERM, the terminal closing. Used by curl-from-pod (the book's `kubectl run --rm -it`) and the generic
// curl-from-node.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { ApiCtx } from './context.ts';
import { CliError, codeOf } from './errors.ts';
import { callJson, getStream, watch, type Stream } from './http-api.ts';
import { podPath } from './pod-output.ts';
import { withSpinner } from './spinner.ts';
import { onStopSignal } from './signals.ts';

export interface OneOffSpec {
  name: string;
  image: string;
  args: string[];
  nodeName?: string;
  hostNetwork?: boolean;
  timeoutMs?: number;
  /** Called with the pod's output as it arrives. */
  onOutput?: (chunk: string) => void;
  /** Called once the pod is made, with the name it really got (a fresh one on a clash). */
  onCreated?: (name: string) => void;
  /** Called once the pod is deleted, on every path (also before exiting on a signal). */
  onDeleted?: (name: string) => void;
}

export interface OneOffResult {
  name: string;
  output: string;
  exitCode: number;
}

/** The pod made: its name (a fresh one on a clash) and uid. */
interface Created {
  name: string;
  uid: string;
}

async function createWithFreshName(ctx: ApiCtx, spec: OneOffSpec): Promise<Created> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = attempt === 0 ? spec.name : `${spec.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      // As `kubectl run NAME` makes it: label run=NAME, one container named NAME.
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'kiada', run: name } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
        ...(spec.hostNetwork ? { hostNetwork: true } : {}),
        containers: [{ name, image: spec.image, args: spec.args }],
      },
    };
    try {
      const made = (await callJson(ctx, `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods`, { method: 'POST', body: pod })) as V1Pod;
      return { name, uid: made.metadata?.uid ?? '' };
    } catch (err) {
      // A name clash: pick a fresh name rather than fail (someone else's client-pod stays untouched).
      if (codeOf(err) !== 409) throw err;
    }
  }
  throw new CliError(`error: could not find a free name for pod ${spec.name}`);
}

/**
 * Phases seen through a watch (its first events are the pod's current state): started, then finished. Opened as
 * the pod is being created (its own connection, its TLS handshake beside the create's), so only the events of the
 * pod the create made count (`uid`, once known): a pod of that name that was there before (a clash: then `uid` is
 * undefined and the watch ends) is someone else's.
 */
function watchPod(ctx: ApiCtx, name: string, image: string, uid: Promise<string | undefined>) {
  let onStarted!: () => void;
  let onFinished!: (p: V1Pod) => void;
  let onError!: (e: unknown) => void;
  const started = new Promise<void>((r) => (onStarted = r));
  const finished = new Promise<V1Pod>((resolve, reject) => {
    onFinished = resolve;
    onError = reject;
  });
  finished.catch(() => undefined);
  let over = false;
  let abort: { abort(): void } | undefined;
  const stop = () => {
    over = true;
    abort?.abort();
  };
  const fail = (e: unknown) => {
    if (over) return;
    stop();
    onError(e);
  };
  const query = new URLSearchParams({ watch: 'true', fieldSelector: `metadata.name=${name}` });
  let ours: string | undefined;
  const early: [string, V1Pod][] = [];
  void uid.then((u) => {
    if (u === undefined) return stop();
    ours = u;
    for (const [type, p] of early.splice(0)) onEvent(type, p);
  }, stop);
  const onEvent = (type: string, p: V1Pod) => {
    if (over) return;
    if (ours === undefined) return void early.push([type, p]);
    if (p.metadata?.uid !== ours) return;
    if (type === 'DELETED') return fail(new CliError(`error: pod ${name} was deleted before it completed`));
    const waiting = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    if (waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff') return fail(new CliError(`error: pod ${name} cannot start: ${waiting} (image ${image})`));
    const phase = p.status?.phase;
    if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') onStarted();
    if (phase === 'Succeeded' || phase === 'Failed') {
      stop();
      onFinished(p);
    }
  };
  watch(ctx, `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods?${query}`, onEvent, (err) => fail(err ?? new CliError(`error: the watch of pod ${name} ended early`)))
    .then((a) => {
      abort = a;
      if (over) a.abort();
    }, fail);
  // A failure before the start rejects `started` too (handled when awaited: it may come while the pod is created).
  const startedOrFailed = Promise.race([started, finished.then(() => undefined)]);
  startedOrFailed.catch(() => undefined);
  return { started: startedOrFailed, finished, stop };
}

export async function runOneOff(ctx: ApiCtx, spec: OneOffSpec): Promise<OneOffResult> {
  let creating: Promise<Created> | undefined;
  let deleting: Promise<void> | undefined;
  // Deletes the pod if it exists or is being created: a signal during the create call must not leave the pod
  // behind once the API server has made it.
  const cleanup = () =>
    (deleting ??= (async () => {
      const name = (await creating?.catch(() => undefined))?.name;
      if (!name) return;
      const deleted = await callJson(ctx, `${podPath(ctx, name)}?gracePeriodSeconds=0`, { method: 'DELETE' }).then(() => true, () => false);
      if (deleted) spec.onDeleted?.(name);
    })());
  // On a signal (also the terminal closing): delete, then exit 129/130/143 like a shell. The wait is bounded: an
  // API server that no longer answers must not keep a Ctrl-C'd command alive; then the pod left behind is named.
  const offSignal = onStopSignal((_signal, code) => {
    const timer = setTimeout(() => {
      void creating?.then(({ name }) => process.stderr.write(`error: could not delete pod ${name} in time; delete it with: kubectl delete pod ${name}\n`)).finally(() => process.exit(code));
      setTimeout(() => process.exit(code), 100).unref();
    }, 15_000);
    void cleanup().then(() => {
      clearTimeout(timer);
      process.exit(code);
    });
  });
  let watch: ReturnType<typeof watchPod> | undefined;
  let log: Stream | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    creating = createWithFreshName(ctx, spec);
    // The watch is opened beside the create, for the name asked for: most often the one the pod gets.
    const first = watchPod(ctx, spec.name, spec.image, creating.then((c) => (c.name === spec.name ? c.uid : undefined), () => undefined));
    watch = first;
    const { name: created, uid } = await creating;
    spec.onCreated?.(created);
    const timeoutMs = spec.timeoutMs ?? 60_000;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CliError(`error: timed out waiting for pod ${created} to complete`)), timeoutMs);
    });
    timedOut.catch(() => undefined);
    const w = created === spec.name ? first : (watch = watchPod(ctx, created, spec.image, Promise.resolve(uid)));
    await withSpinner(`waiting for pod ${created}`, Promise.race([w.started, timedOut]));
    // Its output as it comes (kubectl run -it attaches; following the log is the same for a one-shot command).
    let output = '';
    log = await getStream(ctx, `${podPath(ctx, created)}/log?${new URLSearchParams({ container: created, follow: 'true' })}`);
    const logged = new Promise<void>((resolve) => log!.body.on('end', resolve).on('error', () => resolve()));
    log.body.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      spec.onOutput?.(text);
    });
    const pod = await Promise.race([w.finished, timedOut]);
    // The log ends with the container; wait for its last bytes (briefly: the phase may come first).
    await Promise.race([logged, new Promise((r) => setTimeout(r, 2000))]);
    const exitCode = pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ?? 1;
    return { name: created, output, exitCode };
  } finally {
    clearTimeout(timer);
    watch?.stop();
    log?.abort();
    await cleanup();
    offSignal();
  }
}
