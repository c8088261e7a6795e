import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepMerge, type Tree } from './deep-merge.js';

const leaf = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }));
const tree: fc.Arbitrary<Tree> = fc.letrec((tie) => ({
  node: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof(leaf, tie('node')), { maxKeys: 4 }),
})).node as fc.Arbitrary<Tree>;

describe('deepMerge', () => {
  it('merging a tree into itself or an empty overlay changes nothing', () => {
    fc.assert(
      fc.property(tree, (t) => {
        expect(deepMerge(t, {})).toEqual(t);
        expect(deepMerge(t, t)).toEqual(t);
      }),
    );
  });
  it('every overlay leaf wins; inputs are not modified', () => {
    fc.assert(
      fc.property(tree, tree, (base, overlay) => {
        const before = structuredClone(base);
        const merged = deepMerge(base, overlay);
        expect(base).toEqual(before);
        expect(deepMerge(merged, overlay)).toEqual(merged);
      }),
    );
  });
  it('null removes a key', () => {
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({ a: { c: 2 } });
  });
});
