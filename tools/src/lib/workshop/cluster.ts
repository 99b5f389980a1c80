// The workshop on the cluster, through @kubernetes/client-node only (so the same code runs on the lab, kind, GKE):
// making a student's corner, finding the workshop's namespaces again, reading what a student has done, removing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { RbacAuthorizationV1Api, type V1Namespace, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { CliError } from '../errors.ts';
import { HOST_NETWORK_LEVEL, POD_SECURITY_LABEL, studentObjects } from './manifests.ts';
import { clusterEntry, studentKubeconfig } from './kubeconfig.ts';
import { cardsHtml, cardsText, type Card } from './cards.ts';
import { clusterFacts, isKiadaPod, marksFrom, type ClusterFacts, type Marks } from './exercises.ts';
import { DEPLOY_ANNOTATION, EXPIRES_ANNOTATION, MANAGED_BY, STUDENT_ACCOUNT, byStudentName } from './students.ts';

export const KIADA_MANIFEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'k8s', 'pod.kiada.yaml');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (err: unknown) => (err as { code?: number }).code;

export interface Student {
  name: string;
  namespace: string;
  kubeconfig: string;
}

/** The namespaces of this workshop (by its label), student order (student2 before student10). */
export async function workshopNamespaces(ctx: Ctx): Promise<V1Namespace[]> {
  const list = await ctx.core.listNamespace({ labelSelector: `${MANAGED_BY.key}=${MANAGED_BY.value}` });
  return list.items.sort((a, b) => byStudentName(a.metadata!.name!, b.metadata!.name!));
}

/** A namespace of this workshop, or a one-line error naming what is wrong. */
export async function studentNamespace(ctx: Ctx, name: string): Promise<V1Namespace> {
  let ns: V1Namespace;
  try {
    ns = await ctx.core.readNamespace({ name });
  } catch (err) {
    if (codeOf(err) === 404) throw new CliError(`error: there is no student "${name}" in this workshop (no namespace "${name}")`);
    throw err;
  }
  if (ns.metadata?.labels?.[MANAGED_BY.key] !== MANAGED_BY.value) throw new CliError(`error: namespace "${name}" is not a workshop student's (it has no ${MANAGED_BY.key}=${MANAGED_BY.value} label)`);
  return ns;
}

/** Waits until the namespace is gone (a namespace being deleted refuses new content). */
export async function waitNamespaceGone(ctx: Ctx, name: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ctx.core.readNamespace({ name });
    } catch (err) {
      if (codeOf(err) === 404) return;
      throw err;
    }
    if (Date.now() > deadline) throw new CliError(`error: timed out waiting for namespace "${name}" to be deleted`);
    await sleep(250);
  }
}

/**
 * The pods of a namespace that is about to go, deleted with a grace period of 1 s (the kubelet's floor is 2 s): a
 * namespace's own deletion gives each pod its full grace period (30 s by default), and a pod whose PID 1 lets a
 * SIGTERM pass — `sleep`, or any app still starting when it comes — would hold `down` or `reset` that long.
 */
export async function deletePodsNow(ctx: Ctx, namespace: string): Promise<void> {
  const pods = (await ctx.core.listNamespacedPod({ namespace })).items;
  await Promise.all(pods.map(async (p) => {
    try {
      await ctx.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace, gracePeriodSeconds: POD_GRACE_SECONDS });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
    }
  }));
}
export const POD_GRACE_SECONDS = 1;

/** Creates the object, or, when it exists, puts ours in its place (`kubectl apply` for the objects we own). */
async function createOrReplace(create: () => Promise<unknown>, replace: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (codeOf(err) !== 409) throw err;
    await replace();
  }
}

export interface UpOptions {
  deploy: boolean;
  /** Pod Security `privileged` rather than `baseline`: hostNetwork pods (curl-from-node on any cluster) allowed. */
  allowHostNetwork?: boolean;
  expirationSeconds: number;
  dir: string;
  /** Print the kubectl commands this stands for (the first student's only: the others are the same; not with --quiet). */
  show: boolean;
}

/**
 * One student's corner: namespace, service account, Role + RoleBinding, ResourceQuota + LimitRange, a token for
 * the account (TokenRequest), their kubeconfig in `dir`, and kiada if asked. Safe to run again: what exists is
 * brought up to date, the account (and so its other tokens) is kept.
 */
export async function createStudent(ctx: Ctx, name: string, o: UpOptions): Promise<Student> {
  const expires = new Date(Date.now() + o.expirationSeconds * 1000);
  const objs = studentObjects(name, { deploy: o.deploy, expires, allowHostNetwork: o.allowHostNetwork });
  const rbac = ctx.kc.makeApiClient(RbacAuthorizationV1Api);
  const cmd = (...args: string[]) => o.show && ctx.print.command(['kubectl', ...args]);
  const namespace = name;

  cmd('create', 'namespace', name);
  try {
    await ctx.core.createNamespace({ body: objs.namespace });
  } catch (err) {
    if (codeOf(err) !== 409) throw err;
    const ns = await ctx.core.readNamespace({ name });
    if (ns.metadata?.labels?.[MANAGED_BY.key] !== MANAGED_BY.value) throw new CliError(`error: namespace "${name}" already exists and is not a workshop student's: choose other names, or delete it first`);
    if (ns.metadata?.deletionTimestamp) {
      await waitNamespaceGone(ctx, name);
      await ctx.core.createNamespace({ body: objs.namespace });
    } else {
      await ctx.core.replaceNamespace({ name, body: { ...objs.namespace, metadata: { ...objs.namespace.metadata, resourceVersion: ns.metadata?.resourceVersion } } });
    }
  }
  // The label that decides what pods the student may run (the others are the workshop's bookkeeping); printed on
  // every `up`, since a run with or without --allow-host-network changes it.
  cmd('label', 'namespace', name, `${POD_SECURITY_LABEL}=${objs.namespace.metadata!.labels![POD_SECURITY_LABEL]}`, '--overwrite');
  cmd('create', 'serviceaccount', STUDENT_ACCOUNT, '-n', namespace);
  try {
    await ctx.core.createNamespacedServiceAccount({ namespace, body: objs.serviceAccount });
  } catch (err) {
    if (codeOf(err) !== 409) throw err; // kept: recreating it would end the tokens already handed out
  }
  if (o.show) {
    cmd('apply', '-n', namespace, '-f', '-');
    ctx.print.info(`  (the Role, RoleBinding, ResourceQuota and LimitRange "student"; kubectl get role,rolebinding,quota,limits -n ${namespace} -o yaml shows them)\n`);
  }
  await createOrReplace(
    () => rbac.createNamespacedRole({ namespace, body: objs.role }),
    () => rbac.replaceNamespacedRole({ name: 'student', namespace, body: objs.role }),
  );
  await createOrReplace(
    () => rbac.createNamespacedRoleBinding({ namespace, body: objs.roleBinding }),
    () => rbac.replaceNamespacedRoleBinding({ name: 'student', namespace, body: objs.roleBinding }),
  );
  await createOrReplace(
    () => ctx.core.createNamespacedResourceQuota({ namespace, body: objs.resourceQuota }),
    async () => {
      const cur = await ctx.core.readNamespacedResourceQuota({ name: 'student', namespace });
      await ctx.core.replaceNamespacedResourceQuota({ name: 'student', namespace, body: { ...objs.resourceQuota, metadata: { ...objs.resourceQuota.metadata, resourceVersion: cur.metadata?.resourceVersion } } });
    },
  );
  await createOrReplace(
    () => ctx.core.createNamespacedLimitRange({ namespace, body: objs.limitRange }),
    () => ctx.core.replaceNamespacedLimitRange({ name: 'student', namespace, body: objs.limitRange }),
  );
  cmd('create', 'token', STUDENT_ACCOUNT, '-n', namespace, `--duration=${o.expirationSeconds}s`);
  const tr = await ctx.core.createNamespacedServiceAccountToken({
    name: STUDENT_ACCOUNT,
    namespace,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: o.expirationSeconds } },
  });
  const token = tr.status?.token;
  if (!token) throw new CliError(`error: the cluster gave no token for ${namespace}/${STUDENT_ACCOUNT}`);
  const cluster = ctx.kc.getCurrentCluster();
  if (!cluster) throw new CliError('error: the current context names no cluster');
  const file = path.join(o.dir, `${name}.kubeconfig`);
  writePrivate(file, studentKubeconfig({ name, namespace, token, cluster: clusterEntry(cluster) }));
  if (o.deploy) {
    cmd('apply', '-n', namespace, '-f', 'k8s/pod.kiada.yaml');
    try {
      await ctx.core.createNamespacedPod({ namespace, body: parse(fs.readFileSync(KIADA_MANIFEST, 'utf8')) as V1Pod });
    } catch (err) {
      if (codeOf(err) !== 409) throw err;
    }
  }
  return { name, namespace, kubeconfig: file };
}

/** A file only its owner may read (it holds a token), replacing any earlier one, never through a symlink. */
export function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** cards.txt and cards.html in `dir`, for every student the cluster has now. */
export async function writeCards(ctx: Ctx, dir: string): Promise<string[]> {
  const server = ctx.kc.getCurrentCluster()?.server ?? '';
  const cards: Card[] = (await workshopNamespaces(ctx)).map((ns) => ({
    name: ns.metadata!.name!,
    namespace: ns.metadata!.name!,
    server,
    kubeconfigFile: `${ns.metadata!.name}.kubeconfig`,
    expires: new Date(ns.metadata?.annotations?.[EXPIRES_ANNOTATION] ?? 0),
    deployed: ns.metadata?.annotations?.[DEPLOY_ANNOTATION] === 'true',
    hostNetwork: ns.metadata?.labels?.[POD_SECURITY_LABEL] === HOST_NETWORK_LEVEL,
  }));
  const files = [path.join(dir, 'cards.txt'), path.join(dir, 'cards.html')];
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(files[0], cardsText(cards));
  fs.writeFileSync(files[1], cardsHtml(cards));
  return files;
}

/** Runs `fn` on each item, at most `limit` at a time; the results in the items' order; the first error wins. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function nodeFacts(ctx: Ctx): Promise<ClusterFacts> {
  const nodes: V1Node[] = (await ctx.core.listNode()).items;
  return clusterFacts(nodes);
}

/** The log of a kiada pod's first container (and its previous run's, if it restarted); "" when none can be read. */
async function kiadaLog(ctx: Ctx, pod: V1Pod, sinceSeconds?: number): Promise<string> {
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  const container = pod.spec?.containers?.[0]?.name;
  const read = async (previous: boolean) => {
    try {
      return await ctx.core.readNamespacedPodLog({ name, namespace, container, previous, ...(sinceSeconds ? { sinceSeconds } : {}) });
    } catch {
      return ''; // not started yet, or no previous run: nothing done there
    }
  };
  const restarted = (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0;
  return (restarted && !sinceSeconds ? await read(true) : '') + (await read(false));
}

/** What a look at the student's namespace shows now; `sinceSeconds` reads only the log's newest part. */
export async function studentMarks(ctx: Ctx, namespace: string, facts: ClusterFacts, pods?: V1Pod[], sinceSeconds?: number): Promise<Marks> {
  const all = pods ?? (await ctx.core.listNamespacedPod({ namespace })).items;
  const logs: Record<string, string> = {};
  for (const pod of all.filter(isKiadaPod)) logs[pod.metadata!.name!] = await kiadaLog(ctx, pod, sinceSeconds);
  return marksFrom(all, logs, facts);
}
