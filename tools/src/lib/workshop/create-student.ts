// One student's corner made on the cluster through @kubernetes/client-node only (the same code on the lab, kind, GKE).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { CliError, codeOf } from '../errors.ts';
import { POD_SECURITY_LABEL, studentObjects } from './manifests.ts';
import { clusterEntry, studentKubeconfig } from './kubeconfig.ts';
import { MANAGED_BY, STUDENT_ACCOUNT } from './students.ts';
import { waitNamespaceGone } from './namespaces.ts';
import { writePrivate } from './files.ts';

export const KIADA_MANIFEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'k8s', 'pod.kiada.yaml');

export interface Student {
  name: string;
  namespace: string;
  kubeconfig: string;
}

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
