// The AGE column: k8s.io/apimachinery/pkg/util/duration.HumanDuration, case for case from its duration_test.go.
import { describe, it, expect } from 'vitest';
import { humanDuration, since } from '../../src/api/age.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration (kubectl AGE)', () => {
  it.each([
    [s, '1s'],
    [70 * s, '70s'],
    [190 * s, '3m10s'],
    [70 * m, '70m'],
    [47 * h, '47h'],
    [49 * h, '2d1h'],
    [(8 * 24 + 2) * h, '8d'],
    [367 * d, '367d'],
    [2 * y + 25 * h, '2y1d'],
    [8 * y + 2 * h, '8y'],
  ])('TestHumanDuration: %d ms is %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it.each([
    [-2 * s, '<invalid>'],
    [0, '0s'],
    [s - 1, '0s'],
    [2 * m - 1, '119s'],
    [2 * m, '2m'],
    [2 * m + s, '2m1s'],
    [10 * m - 1, '9m59s'],
    [10 * m, '10m'],
    [10 * m + s, '10m'],
    [3 * h - 1, '179m'],
    [3 * h, '3h'],
    [3 * h + m, '3h1m'],
    [8 * h - 1, '7h59m'],
    [8 * h, '8h'],
    [8 * h + 59 * m, '8h'],
    [2 * d - 1, '47h'],
    [2 * d, '2d'],
    [2 * d + h, '2d1h'],
    [8 * d - 1, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 23 * h, '8d'],
    [2 * y - 1, '729d'],
    [2 * y, '2y'],
    [2 * y + 23 * h + 59 * m, '2y'],
    [2 * y + d - 1, '2y'],
    [2 * y + d, '2y1d'],
    [3 * y, '3y'],
    [7 * y, '7y'],
    [8 * y - 1, '7y364d'],
    [8 * y, '8y'],
    [8 * y + 364 * d, '8y'],
    [9 * y, '9y'],
  ])('TestHumanDurationBoundaries: %d ms is %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('tolerates up to 2 s of clock skew as Go does: int(d.Seconds()) truncates towards zero', () => {
    // Go's -2s+1ns case: int(-1.999…) is -1, "0s"; only -2 s and beyond are "<invalid>".
    expect(humanDuration(-1999)).toBe('0s');
    expect(humanDuration(-1500)).toBe('0s');
    expect(humanDuration(-1)).toBe('0s');
    expect(humanDuration(-2001)).toBe('<invalid>');
  });

  it('the 3d5h kubectl prints where a day-only formatter prints 3d', () => {
    expect(humanDuration(3 * d + 5 * h + 59 * m)).toBe('3d5h');
    expect(humanDuration(400 * d)).toBe('400d');
  });
});

describe('since (translateTimestampSince)', () => {
  const now = Date.parse('2025-01-10T12:00:00Z');
  it('is the age of an RFC 3339 timestamp at `now`', () => {
    expect(since('2025-01-10T11:59:01Z', now)).toBe('59s');
    expect(since('2025-01-10T11:57:57Z', now)).toBe('2m3s');
    expect(since('2025-01-07T07:00:00Z', now)).toBe('3d5h');
    expect(since('2025-01-10T11:59:59.500000Z', now)).toBe('0s');
  });
  it('is <unknown> for an unset timestamp, as for a zero metav1.Time', () => {
    expect(since(undefined, now)).toBe('<unknown>');
    expect(since('', now)).toBe('<unknown>');
  });
});
