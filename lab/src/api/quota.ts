// ResourceQuota for pods, as the ResourceQuota admission plugin and the resourcequota controller keep it
// (plugin/pkg/admission/resourcequota, pkg/quota/v1/evaluator/core/pods.go): a pod's usage is pods=1, count/pods=1
// and its requests and limits of cpu, memory and ephemeral-storage (requests.cpu and plain cpu alike); pods that
// ended or whose grace period is over count for nothing but count/pods. On create, a quota that tracks cpu or
// memory wants every container to say it (`failed quota: q: must specify limits.cpu for: c`), and no quota may go
// over (`exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10`). Usage is computed from the store
// at admission, so it is exact; the controller writes it into each quota's status (kubectl get/describe quota).
// Other resources' object counts (count/configmaps …) are not enforced.
import type { Obj, Store } from '../store/index.ts';
import { add, cmp, formatQuantity, parseQuantity, type Quantity } from './quantity.ts';
import { getOwn } from './own-json.ts';
import { podForbidden, podTotals } from './limitranger.ts';

type Usage = Record<string, Quantity>;
const ONE = parseQuantity('1')!;
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];
const POD_RESOURCES = new Set(['pods', 'count/pods', ...COMPUTE, ...COMPUTE.flatMap((r) => [`requests.${r}`, `limits.${r}`])]);
/** If a quota tracks one of these, every container must state it (a backward-compatibility rule of Kubernetes). */
const MUST_SPECIFY = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** QuotaV1Pod: does the pod still count (not ended, and not past its deletion grace)? */
function counts(pod: Obj, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata.deletionTimestamp;
  if (del && pod.metadata.deletionGracePeriodSeconds !== undefined && now > Date.parse(del) + pod.metadata.deletionGracePeriodSeconds * 1000) return false;
  return true;
}

/** podComputeUsageHelper over one set of requests and limits. */
function computeUsage(requests: Record<string, string>, limits: Record<string, string>): Usage {
  const u: Usage = { pods: ONE };
  const quantity = (list: Record<string, string>, r: string) => (typeof getOwn(list, r) === 'string' ? parseQuantity(list[r]) : null);
  for (const r of COMPUTE) {
    const req = quantity(requests, r);
    const lim = quantity(limits, r);
    if (req) u[r] = u[`requests.${r}`] = req;
    if (lim) u[`limits.${r}`] = lim;
  }
  return u;
}

export function podUsage(pod: Obj, now = Date.now()): Usage {
  if (!counts(pod, now)) return { 'count/pods': ONE };
  return { 'count/pods': ONE, ...computeUsage(podTotals(pod, 'requests'), podTotals(pod, 'limits')) };
}

function sum(a: Usage, b: Usage): Usage {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? add(out[k], v) : v;
  return out;
}

/** What the namespace's pods use now, of the resources the quota limits (0 for those nothing uses). */
export function quotaUsed(store: Store, quota: Obj, now = Date.now()): Record<string, string> {
  const hard = Object.keys(quota.spec?.hard ?? {});
  const used = store.list('pods', quota.metadata.namespace).reduce((acc: Usage, p) => sum(acc, podUsage(p, now)), {});
  return Object.fromEntries(hard.map((k) => [k, Object.hasOwn(used, k) ? formatQuantity(used[k]) : '0']));
}

const pretty = (u: Record<string, string>) => Object.keys(u).sort().map((k) => `${k}=${u[k]}`).join(',');

/** Admission of a new pod against every quota of its namespace: the first quota it would break refuses it (403). */
export function admitQuota(store: Store, pod: Obj): void {
  const quotas = store.list('resourcequotas', pod.metadata.namespace);
  if (!quotas.length) return;
  for (const quota of quotas) {
    const required = Object.keys(quota.spec?.hard ?? {}).filter((k) => MUST_SPECIFY.includes(k));
    const missing = new Map<string, string[]>();
    for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
      const has = computeUsage(c.resources?.requests ?? {}, c.resources?.limits ?? {});
      for (const r of required) if (!has[r]) missing.set(r, [...(missing.get(r) ?? []), c.name].sort());
    }
    if (missing.size) {
      const what = [...missing.keys()].sort().map((r) => `${r} for: ${missing.get(r)!.join(',')}`).join('; ');
      throw podForbidden(pod.metadata.name, `failed quota: ${quota.metadata.name}: must specify ${what}`);
    }
  }
  const delta = podUsage(pod);
  for (const quota of quotas) {
    const hard: Record<string, string> = quota.spec?.hard ?? {};
    const used = quotaUsed(store, quota);
    const exceeded = Object.keys(hard).filter((k) => POD_RESOURCES.has(k) && Object.hasOwn(delta, k)).filter((k) => {
      const limit = typeof hard[k] === 'string' ? parseQuantity(hard[k]) : null;
      return limit && cmp(add(parseQuantity(used[k])!, delta[k]), limit) > 0;
    });
    if (!exceeded.length) continue;
    const pick = (f: (k: string) => string) => Object.fromEntries(exceeded.map((k) => [k, f(k)]));
    throw podForbidden(pod.metadata.name, `exceeded quota: ${quota.metadata.name}, requested: ${pretty(pick((k) => formatQuantity(delta[k])))}, used: ${pretty(pick((k) => used[k]))}, limited: ${pretty(pick((k) => formatQuantity(parseQuantity(hard[k])!)))}`);
  }
}

/** The resourcequota controller: status.hard = spec.hard, status.used = what the pods use, after every change. */
export function runQuotaController(store: Store): () => void {
  const pending = new Set<string>();
  let queued = false;
  const sync = () => {
    queued = false;
    for (const ns of pending) {
      for (const quota of store.list('resourcequotas', ns)) {
        const status = { hard: { ...(quota.spec?.hard ?? {}) }, used: quotaUsed(store, quota) };
        store.mutate('resourcequotas', ns, quota.metadata.name, (q) => {
          q.status = status;
        });
      }
    }
    pending.clear();
  };
  const wake = (ns: string) => {
    pending.add(ns);
    if (!queued) {
      queued = true;
      queueMicrotask(sync);
    }
  };
  const stops = [
    store.onChange('pods', (e) => wake(e.object.metadata.namespace)),
    store.onChange('resourcequotas', (e) => e.type !== 'DELETED' && wake(e.object.metadata.namespace)),
  ];
  // A pod whose grace period ran out stops counting without any change to it: look again now and then.
  const timer = setInterval(() => store.list('resourcequotas').forEach((q) => wake(q.metadata.namespace)), 10_000);
  timer.unref();
  return () => {
    stops.forEach((s) => s());
    clearInterval(timer);
  };
}
