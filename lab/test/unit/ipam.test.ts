import { describe, it, expect } from 'vitest';
import { nextHost, macFor, podVethName } from '../../src/net/ipam.ts';

describe('ipam', () => {
  it('hands out the address after the last one, wrapping past .254 to .2 and skipping used ones', () => {
    expect(nextHost(new Set(), undefined, 'n')).toBe(2);
    expect(nextHost(new Set([2, 3]), 3, 'n')).toBe(4);
    expect(nextHost(new Set([2]), 5, 'n')).toBe(6); // a freed .3 is not reused at once
    expect(nextHost(new Set([3]), 254, 'n')).toBe(2);
    expect(nextHost(new Set([2, 3]), 254, 'n')).toBe(4);
  });
  it('fails with a clear error when the node has no free address', () => {
    const all = new Set(Array.from({ length: 253 }, (_, i) => i + 2));
    expect(() => nextHost(all, 10, 'kind-worker')).toThrow('node kind-worker has no free pod IP');
  });
  it('derives the MAC from the IP as the CNI bridge plugin does', () => {
    expect(macFor('10.244.1.2')).toBe('0a:58:0a:f4:01:02');
    expect(macFor('10.244.2.254')).toBe('0a:58:0a:f4:02:fe');
  });
  it('keeps interface names within 15 characters', () => {
    expect(podVethName('p12')).toBe('vp12');
    expect(podVethName('p'.padEnd(14, '9'))).toHaveLength(15);
    expect(() => podVethName('p'.padEnd(15, '9'))).toThrow('longer than 15');
  });
});
