// resource.Quantity's parse and canonical print, with apimachinery's own examples (quantity_test.go's
// canonical table): what quota status and LimitRange messages show.
import { describe, it, expect } from 'vitest';
import { add, canonical, cmp, formatQuantity, parseQuantity } from '../../src/api/quantity.ts';

describe('quantity', () => {
  it('prints the canonical form kube-apiserver stores and prints', () => {
    const cases: [string, string][] = [
      ['0', '0'], ['0.0', '0'], ['1', '1'], ['1000m', '1'], ['0.5', '500m'], ['.5', '500m'], ['1.5', '1500m'], ['50m', '50m'],
      ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['64Mi', '64Mi'], ['1Gi', '1Gi'], ['1000', '1k'], ['1500', '1500'], ['2000', '2k'],
      ['1k', '1k'], ['1M', '1M'], ['12e3', '12e3'], ['1e3', '1e3'], ['100Ki', '100Ki'], ['512', '512'], ['1.5Gi', '1536Mi'],
      ['0.1Ki', '102400m'], ['1n', '1n'], ['0.0000000001', '1n'], ['-1', '-1'], ['10', '10'], ['2Gi', '2Gi'], ['128Mi', '128Mi'], ['200m', '200m'],
    ];
    for (const [input, out] of cases) expect([input, canonical(input)]).toEqual([input, out]);
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.2.3', '1Kib', 'Mi', '1 Gi', '--1']) expect([bad, parseQuantity(bad)]).toEqual([bad, null]);
    // Nothing a request says makes the server compute 10 ** a billion, or read a megabyte of digits.
    for (const huge of ['1e999999999', '1E-999999', '9'.repeat(100000)]) expect(parseQuantity(huge)).toBeNull();
  });

  it('adds in the first operand\'s format and compares exactly', () => {
    const q = (s: string) => parseQuantity(s)!;
    expect(formatQuantity(add(q('64Mi'), q('64Mi')))).toBe('128Mi');
    expect(formatQuantity(add(q('50m'), q('50m')))).toBe('100m');
    expect(formatQuantity(add(q('1'), q('1')))).toBe('2');
    expect(cmp(q('1'), q('1000m'))).toBe(0);
    expect(cmp(q('512Mi'), q('1Gi'))).toBe(-1);
    expect(cmp(q('2'), q('1500m'))).toBe(1);
  });
});
