// JSON values read, written and copied through own data properties only: a key from a request ("__proto__",
// "constructor", "prototype") is a field name like any other, never a way into a prototype. Used wherever a body's
// keys are handled (patches, the typed decode, admission, defaulting).
import type { Obj } from '../store/index.ts';

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Whether o (an object or an array) has k as its own property. */
export const hasOwnKey = (o: unknown, k: string) => (isObj(o) || Array.isArray(o)) && Object.hasOwn(o, k);
/** o[k] if it is o's own property: a key from a request ("__proto__", "constructor") never reads the prototype. */
export const getOwn = (o: unknown, k: string): unknown => (hasOwnKey(o, k) ? (o as Obj)[k] : undefined);
/** Defines an own property: plain `o[k] = v` with k "__proto__" would replace o's prototype instead. */
export function setOwn(o: Obj, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** A deep copy made of own properties only (structuredClone keeps "__proto__" keys too, but this needs no care). */
export function copyJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyJson) as T;
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v)) setOwn(out, k, copyJson(v[k]));
  return out as T;
}

/** JSON equality: key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}
