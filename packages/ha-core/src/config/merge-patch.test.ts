import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergePatch } from './merge-patch.js';

describe('mergePatch (RFC 7396)', () => {
  // The examples of RFC 7396 appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('does not modify its inputs', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: null } });
    expect(target).toEqual({ a: { b: 1 } });
  });

  const patchArb = fc.dictionary(
    fc.string({ maxLength: 3 }),
    fc.oneof(fc.constant(null), fc.integer(), fc.string()),
  );
  const docArb = fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.string()));

  it('is idempotent and removes exactly the null keys', () => {
    fc.assert(
      fc.property(docArb, patchArb, (doc, patch) => {
        const once = mergePatch(doc, patch) as Record<string, unknown>;
        expect(mergePatch(once, patch)).toEqual(once);
        for (const [key, value] of Object.entries(patch)) {
          if (value === null) expect(key in once).toBe(false);
          else expect(once[key]).toEqual(value);
        }
        for (const [key, value] of Object.entries(doc)) if (!(key in patch)) expect(once[key]).toEqual(value);
      }),
    );
  });
});
