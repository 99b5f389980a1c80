// field.ErrorList as kube-apiserver words it: "<path>: Invalid value: <value>: <detail>", "Required value",
// "Unsupported value: …: supported values: …"; a list of them is a 422 Invalid Status whose causes kubectl prints.
export interface FieldError { field: string; reason: string; message: string }

/** Go's %v of a bad value: strings quoted, numbers and booleans bare. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === undefined || v === null) return '<nil>';
  return JSON.stringify(JSON.stringify(v));
}

const withDetail = (s: string, detail?: string) => (detail ? `${s}: ${detail}` : s);

export const invalidValue = (field: string, value: unknown, detail?: string): FieldError =>
  ({ field, reason: 'FieldValueInvalid', message: withDetail(`Invalid value: ${goValue(value)}`, detail) });
export const required = (field: string, detail?: string): FieldError => ({ field, reason: 'FieldValueRequired', message: withDetail('Required value', detail) });
export const forbidden = (field: string, detail: string): FieldError => ({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` });
export const duplicate = (field: string, value: unknown): FieldError => ({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}` });
export const notFound = (field: string, value: unknown): FieldError => ({ field, reason: 'FieldValueNotFound', message: `Not found: ${goValue(value)}` });
export const tooLong = (field: string, max: number): FieldError => ({ field, reason: 'FieldValueTooLong', message: `Too long: must have at most ${max} bytes` });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({
  field, reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});
