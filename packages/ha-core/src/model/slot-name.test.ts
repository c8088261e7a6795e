import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidSlotName, slotNameFromMemberName } from './slot-name.js';

describe('slotNameFromMemberName', () => {
  it.each([
    ['pg-0', 'pg_0'],
    ['node1', 'node1'],
    ['Pg.Node-1', 'pg_node_1'],
    ['a b', 'au0032b'],
    ['é', 'u0233'],
    ['x😀', 'xu128512'],
    ['a'.repeat(70), 'a'.repeat(63)],
  ])('%j → %j', (name, slot) => {
    expect(slotNameFromMemberName(name)).toBe(slot);
  });

  it('always yields a valid slot name for a non-empty member name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (name) => {
        expect(isValidSlotName(slotNameFromMemberName(name))).toBe(true);
      }),
    );
  });

  it.each([
    ['pg_0', true],
    ['', false],
    ['Pg', false],
    ['a-b', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('isValidSlotName(%j) = %s', (name, valid) => {
    expect(isValidSlotName(name)).toBe(valid);
  });
});
