// The LimitRanger admission plugin for pods (plugin/pkg/admission/limitranger): on create, each LimitRange of the
// namespace first fills in what a container leaves out (Container items' default → limits, defaultRequest →
// requests; the pod is annotated kubernetes.io/limit-ranger with what was set), then checks every container against
// the min, max and maxLimitRequestRatio of its Container items and the pod's sums against its Pod items. A refusal
// is a 403 in the plugin's words: `pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2`.
import { ApiError, type Obj, type Store } from '../store/index.ts';
import { aggregate } from '../auth/go-format.ts';
import { formatQuantity, parseQuantity, ZERO, add, type Quantity } from './quantity.ts';
import { getOwn, setOwn } from './own-json.ts';

const ANNOTATION = 'kubernetes.io/limit-ranger';
type List = Record<string, string>;

/** NewForbidden(pods, name, err) as admission.NewForbidden words it. */
export function podForbidden(name: string | undefined, why: string): ApiError {
  return new ApiError(403, 'Forbidden', name ? `pods ${JSON.stringify(name)} is forbidden: ${why}` : `pods is forbidden: ${why}`, { ...(name ? { name } : {}), kind: 'pods' });
}

function mergeDefaults(c: Obj, limits: List, requests: List, prefix: string): string[] {
  c.resources ??= {};
  const set = (key: 'limits' | 'requests', defaults: List) => {
    const added: string[] = [];
    c.resources[key] ??= {};
    for (const [k, v] of Object.entries(defaults)) {
      if (!Object.hasOwn(c.resources[key], k)) {
        setOwn(c.resources[key], k, v);
        added.push(k);
      }
    }
    return added.sort();
  };
  const setLimits = set('limits', limits);
  const setRequests = set('requests', requests);
  const notes: string[] = [];
  if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${c.name}`);
  return notes;
}

/** PodMutateLimitFunc for one LimitRange: the defaults of its Container items, merged into every container. */
function mutate(lr: Obj, pod: Obj): void {
  const limits: List = {};
  const requests: List = {};
  // Keys come from the LimitRange: each set as an own property ("__proto__" is a resource name like any other).
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    for (const [k, v] of Object.entries<string>(item.defaultRequest ?? {})) setOwn(requests, k, v);
    for (const [k, v] of Object.entries<string>(item.default ?? {})) setOwn(limits, k, v);
  }
  const notes = [
    ...(pod.spec.containers ?? []).flatMap((c: Obj) => mergeDefaults(c, limits, requests, 'container')),
    ...(pod.spec.initContainers ?? []).flatMap((c: Obj) => mergeDefaults(c, limits, requests, 'init container')),
  ];
  if (notes.length) pod.metadata.annotations = { ...pod.metadata.annotations, [ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

// requestLimitEnforcedValues: compared in milli-units, rounded up as Quantity.MilliValue does.
const milli = (q: Quantity | null) => (q ? (q.nano + 999_999n) / 1_000_000n : 0n);
const q = (v: unknown) => (typeof v === 'string' ? parseQuantity(v) : null);
const show = (v: unknown) => formatQuantity(q(v) ?? ZERO);

function check(kind: string, requests: List, limits: List, item: Obj): string[] {
  const errs: string[] = [];
  const req = (k: string) => getOwn(requests, k) as string;
  const lim = (k: string) => getOwn(limits, k) as string;
  for (const [k, v] of Object.entries<string>(item.min ?? {}).sort()) {
    if (!Object.hasOwn(requests, k)) errs.push(`minimum ${k} usage per ${kind} is ${show(v)}.  No request is specified`);
    else if (milli(q(req(k))) < milli(q(v))) errs.push(`minimum ${k} usage per ${kind} is ${show(v)}, but request is ${show(req(k))}`);
    else if (Object.hasOwn(limits, k) && milli(q(lim(k))) < milli(q(v))) errs.push(`minimum ${k} usage per ${kind} is ${show(v)}, but limit is ${show(lim(k))}`);
  }
  for (const [k, v] of Object.entries<string>(item.max ?? {}).sort()) {
    if (!Object.hasOwn(limits, k)) errs.push(`maximum ${k} usage per ${kind} is ${show(v)}.  No limit is specified`);
    else if (milli(q(lim(k))) > milli(q(v))) errs.push(`maximum ${k} usage per ${kind} is ${show(v)}, but limit is ${show(lim(k))}`);
    else if (Object.hasOwn(requests, k) && milli(q(req(k))) > milli(q(v))) errs.push(`maximum ${k} usage per ${kind} is ${show(v)}, but request is ${show(req(k))}`);
  }
  for (const [k, v] of Object.entries<string>(item.maxLimitRequestRatio ?? {}).sort()) {
    const [rq, lm] = [milli(q(req(k))), milli(q(lim(k)))];
    if (!rq) errs.push(`${k} max limit to request ratio per ${kind} is ${show(v)}, but no request is specified or request is 0`);
    else if (!lm) errs.push(`${k} max limit to request ratio per ${kind} is ${show(v)}, but no limit is specified or limit is 0`);
    else if (Number(lm) / Number(rq) * 1000 > Number(milli(q(v)))) errs.push(`${k} max limit to request ratio per ${kind} is ${show(v)}, but provided ratio is ${(Number(lm) / Number(rq)).toFixed(6)}`);
  }
  return errs;
}

/** The pod's requests or limits summed over its containers, an init container's when larger (podRequests). */
export function podTotals(pod: Obj, key: 'requests' | 'limits'): List {
  const sum = new Map<string, Quantity>();
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries<string>(c.resources?.[key] ?? {})) {
      const x = q(v);
      if (x) sum.set(k, sum.has(k) ? add(sum.get(k)!, x) : x);
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries<string>(c.resources?.[key] ?? {})) {
      const x = q(v);
      if (x && (!sum.has(k) || x.nano > sum.get(k)!.nano)) sum.set(k, x);
    }
  }
  return Object.fromEntries([...sum].map(([k, v]) => [k, formatQuantity(v)]));
}

/** PodValidateLimitFunc for one LimitRange: every error of its items, aggregated. */
function validate(lr: Obj, pod: Obj): string[] {
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) errs.push(...check('Container', c.resources?.requests ?? {}, c.resources?.limits ?? {}, item));
    } else if (item.type === 'Pod') {
      errs.push(...check('Pod', podTotals(pod, 'requests'), podTotals(pod, 'limits'), item));
    }
  }
  return errs;
}

/** Admission of a new pod: mutated by, then checked against, each LimitRange of its namespace; 403 on the first that refuses. */
export function admitLimitRanges(store: Store, pod: Obj): void {
  const ranges = store.list('limitranges', pod.metadata.namespace);
  for (const lr of ranges) mutate(lr, pod);
  for (const lr of ranges) {
    const errs = validate(lr, pod);
    if (errs.length) throw podForbidden(pod.metadata.name, aggregate(errs));
  }
}
