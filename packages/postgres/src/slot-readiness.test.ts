import { describe, expect, it } from 'vitest';
import { readySlots } from './slot-readiness.js';

describe('logical slot readiness after a copy (postgres.md §9.4)', () => {
  it('a slot is safe once primary xmin ≤ physical slot catalog_xmin ≤ the copy catalog_xmin', () => {
    const pending = new Map<string, number | null>([
      ['a', 100],
      ['b', 100],
      ['c', null],
      ['gone', 5],
    ]);
    const local = new Map<string, number | null>([
      ['a', 150],
      ['b', 110],
      ['c', 150],
    ]);
    expect(readySlots(pending, local, 120)).toEqual(['a']);
    // b: its copy is behind the physical slot; c: the primary's value is not known yet; gone: dropped here.
    expect([...pending.keys()]).toEqual(['b', 'c']);
    expect(readySlots(pending, local, null)).toEqual([]);
    expect(
      readySlots(
        pending,
        new Map([
          ['b', 130],
          ['c', 130],
        ]),
        120,
      ),
    ).toEqual(['b']);
  });
});
