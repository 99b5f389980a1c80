// Label and field selectors read own properties only: `__proto__` or `constructor` select nothing.
import { describe, it, expect } from 'vitest';
import { labelMatcher, fieldMatcher } from '../src/store/index.ts';

const pod = { metadata: { name: 'a', labels: { app: 'x' } }, spec: { nodeName: 'n' } };

describe('selectors', () => {
  it('match labels and fields', () => {
    expect(labelMatcher('app=x')(pod)).toBe(true);
    expect(labelMatcher('app in (y, x)')(pod)).toBe(true);
    expect(fieldMatcher('spec.nodeName=n')(pod)).toBe(true);
    expect(fieldMatcher('spec.nodeName=')(pod)).toBe(false);
  });
  it('never read inherited properties', () => {
    expect(labelMatcher('__proto__')(pod)).toBe(false);
    expect(labelMatcher('constructor')(pod)).toBe(false);
    expect(labelMatcher('!toString')(pod)).toBe(true);
    expect(fieldMatcher('metadata.constructor.name=Object')(pod)).toBe(false);
    expect(fieldMatcher('metadata.__proto__=')(pod)).toBe(true);
  });
});
