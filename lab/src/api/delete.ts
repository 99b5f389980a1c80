// DELETE as kube-apiserver does it: graceful deletion of scheduled pods (deletionTimestamp = now + grace, the
// duration wrapping around as Go's time.Duration does, so no grace period makes an invalid date), and namespaces
// deleted with everything in them (namespaces.ts): every check comes before the first change.
import { ApiError, badRequest, type Obj, type Resource, type Store } from '../store/index.ts';
import { metaTime } from '../time.ts';
import { deleteContent, finalize, markTerminating } from './namespaces.ts';

/** NamespaceLifecycle admission: these are never deleted. */
const IMMORTAL = ['default', 'kube-system', 'kube-public'];

/** Go's now.Add(time.Duration(grace) * time.Second): the nanoseconds wrap at 64 bits instead of overflowing. */
export function deletionTimestamp(nowMs: number, graceSeconds: number): string {
  const ns = BigInt.asIntN(64, BigInt(Math.trunc(graceSeconds)) * 1_000_000_000n);
  return metaTime(nowMs + Number(ns / 1_000_000n));
}

const INT64 = /^[+-]?\d+$/;

/** ?gracePeriodSeconds= or the DeleteOptions body's; undefined when neither says. */
export function gracePeriod(q: URLSearchParams, body: unknown): number | undefined {
  const param = q.get('gracePeriodSeconds');
  if (param !== null) {
    if (!INT64.test(param)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(param)}: invalid syntax`);
    if (BigInt(param) >= 2n ** 63n || BigInt(param) < -(2n ** 63n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(param)}: value out of range`);
    return Number(param);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'gracePeriodSeconds')) return undefined;
  const g = (body as Obj).gracePeriodSeconds;
  if (g === null) return undefined;
  if (typeof g !== 'number' || !Number.isInteger(g)) {
    const what = typeof g === 'number' ? `number ${g}` : Array.isArray(g) ? 'array' : typeof g === 'object' ? 'object' : typeof g === 'boolean' ? 'bool' : typeof g;
    throw badRequest(`json: cannot unmarshal ${what} into Go struct field DeleteOptions.gracePeriodSeconds of type int64`);
  }
  return g;
}

/** Deletes one pod: at once if it never ran or has ended or grace is 0, else marks it for the kubelet to stop. */
function deletePod(store: Store, pod: Obj, grace: number | undefined): Obj {
  const g = Math.max(grace ?? pod.spec?.terminationGracePeriodSeconds ?? 30, 0);
  const { namespace, name } = pod.metadata;
  if (pod.spec?.nodeName && g > 0 && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
    if (pod.metadata.deletionTimestamp) return pod;
    return store.mutate('pods', namespace, name, (p) => {
      p.metadata.deletionTimestamp = deletionTimestamp(Date.now(), g);
      p.metadata.deletionGracePeriodSeconds = g;
    })!;
  }
  return store.delete('pods', namespace, name);
}

const statusOk = (details: Obj) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });

/** Everything is checked (the object exists, the options parse) before the first change. */
export function deleteObject(store: Store, resource: Resource, namespace: string | undefined, name: string, q: URLSearchParams, body: unknown): Obj {
  const cur = store.mustGet(resource, namespace, name);
  const grace = gracePeriod(q, body);
  if (resource === 'pods') return deletePod(store, cur, grace);
  if (resource === 'namespaces') {
    if (IMMORTAL.includes(name)) throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    const terminating = markTerminating(store, cur);
    for (const p of store.list('pods', name)) deletePod(store, p, undefined);
    deleteContent(store, name);
    finalize(store, name);
    return terminating;
  }
  const gone = store.delete(resource, namespace, name);
  return statusOk({ name: gone.metadata.name, kind: resource, uid: gone.metadata.uid });
}
