// Names, labels and object metadata as apimachinery validates them (pkg/util/validation, ObjectMeta): the same
// rules and words; validation.ts builds the pods' rules on them.
import type { Obj } from '../store/index.ts';
import { invalidValue, required, forbidden, tooLong, type FieldError } from './field.ts';

// apimachinery/pkg/util/validation
const regexError = (msg: string, fmt: string, ...examples: string[]) =>
  `${msg} (${examples.length ? `e.g. ${examples.map((e) => `'${e}', `).join(' or ')}` : ''}regex used for validation is '${fmt}')`;
const maxLen = (n: number) => `must be no more than ${n} characters`;

const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN_FMT = `${LABEL_FMT}(\\.${LABEL_FMT})*`;
const LABEL_RE = new RegExp(`^${LABEL_FMT}$`);
const SUBDOMAIN_RE = new RegExp(`^${SUBDOMAIN_FMT}$`);
const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';

export function dns1123Label(v: string): string[] {
  const errs = v.length > 63 ? [maxLen(63)] : [];
  if (!LABEL_RE.test(v)) {
    errs.push(SUBDOMAIN_RE.test(v) ? 'must not contain dots'
      : regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1123Subdomain(v: string): string[] {
  const errs = v.length > 253 ? [maxLen(253)] : [];
  if (!SUBDOMAIN_RE.test(v)) errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

export function qualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  if (parts.length > 2) return [`a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    if (!parts[0]) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(parts[0]).map((m) => `prefix part ${m}`));
  }
  if (!name) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!new RegExp(`^${QNAME_FMT}$`).test(name)) errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function labelValue(v: string): string[] {
  const errs = v.length > 63 ? [maxLen(63)] : [];
  if (!new RegExp(`^${LABEL_VALUE_FMT}$`).test(v)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

export function portName(v: string): string[] {
  const errs = v.length > 15 ? [maxLen(15)] : [];
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const portNum = (n: number) => (n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive']);
export const each = (field: string, value: unknown, msgs: string[]) => msgs.map((m) => invalidValue(field, value, m));
export const nonNegative = (field: string, n: number | undefined) => (n !== undefined && n < 0 ? [invalidValue(field, n, 'must be greater than or equal to 0')] : []);

export type NameCheck = (name: string) => string[];

/** ObjectMeta: name (or generateName), namespace scope, labels and annotations. */
export function validateMeta(meta: Obj, namespaced: boolean, nameCheck: NameCheck): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else errs.push(...each('metadata.name', meta.name, nameCheck(meta.name)));
  if (!namespaced && meta.namespace) errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  for (const [k, v] of Object.entries((meta.labels ?? {}) as Record<string, string>).sort()) {
    errs.push(...each('metadata.labels', k, qualifiedName(k)), ...each('metadata.labels', v, labelValue(v)));
  }
  let size = 0;
  for (const [k, v] of Object.entries((meta.annotations ?? {}) as Record<string, string>).sort()) {
    errs.push(...each('metadata.annotations', k, qualifiedName(k.toLowerCase())));
    size += k.length + Buffer.byteLength(v ?? '');
  }
  if (size > 256 * 1024) errs.push(tooLong('metadata.annotations', 256 * 1024));
  return errs;
}

