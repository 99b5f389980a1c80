// ?follow=&tailLines=&limitBytes=&sinceSeconds=… of pods/log, decoded and validated as kube-apiserver does
// (PodLogOptions): a value that does not parse is a 400, one out of range a 422 — never a log stream that hangs.
import { badRequest, invalid } from '../store/index.ts';
import { invalidValue, forbidden, type FieldError } from './field.ts';
import type { LogOptions } from '../kubelet/types.ts';

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

function bool(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  if (v === null || v === '') return false;
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function int(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  if (BigInt(v) >= 2n ** 63n || BigInt(v) < -(2n ** 63n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(v);
}

export function logOptions(q: URLSearchParams, pod: string): LogOptions {
  const opts: LogOptions = {
    container: q.get('container') ?? undefined,
    follow: bool(q, 'follow'),
    tailLines: int(q, 'tailLines'),
    timestamps: bool(q, 'timestamps'),
    previous: bool(q, 'previous'),
    sinceSeconds: int(q, 'sinceSeconds'),
    limitBytes: int(q, 'limitBytes'),
  };
  const sinceTime = q.get('sinceTime');
  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) errs.push(invalidValue('tailLines', opts.tailLines, 'must be greater than or equal to 0'));
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) errs.push(invalidValue('limitBytes', opts.limitBytes, 'must be greater than 0'));
  if (opts.sinceSeconds !== undefined && sinceTime) errs.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) errs.push(invalidValue('sinceSeconds', opts.sinceSeconds, 'must be greater than 0'));
  if (errs.length) throw invalid('PodLogOptions', pod, errs);
  return opts;
}
