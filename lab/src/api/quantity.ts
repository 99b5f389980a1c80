// resource.Quantity as apimachinery reads, adds, compares and prints it (k8s.io/apimachinery/pkg/api/resource),
// exactly, in nano-units: what quota usage and LimitRange checks compute with, and the canonical text kube-apiserver
// prints them in (`1Gi` not `1024Mi`, `500m` not `0.5`, `1536Mi`, `2k`).
export type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';
export interface Quantity {
  /** The value × 10⁹, rounded up (a Quantity keeps nothing finer than nano). */
  nano: bigint;
  format: Format;
}

const RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+|)$/;
const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const NANO = 10n ** 9n;

const pow10 = (e: number) => 10n ** BigInt(e);
/** a / b rounded away from zero, as Quantity rounds up what it cannot hold. */
const divUp = (a: bigint, b: bigint) => {
  const q = a / b;
  return q * b === a ? q : a < 0n ? q - 1n : q + 1n;
};

/** resource.ParseQuantity; null when the text is not a quantity. */
export function parseQuantity(text: string): Quantity | null {
  // Longer than any real quantity (and 10 ** a huge exponent would take the server's time and memory).
  if (text.length > 64) return null;
  const m = RE.exec(text.trim());
  if (!m || (!m[2] && !m[3])) return null;
  const [, sign, whole, frac = '', suffix] = m;
  let num = BigInt(`${whole || '0'}${frac}`) * (sign === '-' ? -1n : 1n);
  let den = pow10(frac.length);
  let format: Format = 'DecimalSI';
  const bin = BINARY.indexOf(suffix);
  if (bin > 0) {
    num *= 1n << BigInt(10 * bin);
    format = 'BinarySI';
  } else {
    const exp = Object.hasOwn(DECIMAL, suffix) ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (Math.abs(exp) > 100) return null;
    if (!Object.hasOwn(DECIMAL, suffix)) format = 'DecimalExponent';
    if (exp >= 0) num *= pow10(exp);
    else den *= pow10(-exp);
  }
  return { nano: divUp(num * NANO, den), format };
}

export const isZero = (q: Quantity) => q.nano === 0n;
export const cmp = (a: Quantity, b: Quantity) => (a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0);
/** a + b in a's format (Quantity.Add keeps the receiver's). */
export const add = (a: Quantity, b: Quantity): Quantity => ({ nano: a.nano + b.nano, format: a.format });
export const ZERO: Quantity = { nano: 0n, format: 'DecimalSI' };

/** Quantity.String(): the canonical form. */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  let format = q.format;
  const units = q.nano / NANO;
  const whole = units * NANO === q.nano;
  if (format === 'BinarySI' && (!whole || (units > -1024n && units < 1024n))) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let k = 0;
    let v = units;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${v}${BINARY[k]}`;
  }
  // The largest exponent, a multiple of 3, that leaves an integer mantissa.
  let exp = -9;
  let v = q.nano;
  while (v % 1000n === 0n && (format === 'DecimalExponent' || exp < 18)) {
    v /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${v}` : `${v}e${exp}`;
  return `${v}${DECIMAL_SUFFIX[exp]}`;
}

/** The canonical text of a quantity's text; the text itself when it does not parse. */
export const canonical = (text: string) => {
  const q = parseQuantity(text);
  return q ? formatQuantity(q) : text;
};
