import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseIntWithUnit, roundHalfEven } from './units.js';

describe('parseIntWithUnit (Patroni parse_int)', () => {
  test.each([
    ['1', 'B', 1],
    ['1MB', 'B', 1048576],
    ['1 MB', 'B', 1048576],
    ['16kB', 'B', 16384],
    ['0x400', 'B', 1024],
    [' +0x400MB', 'B', 1024 ** 3],
    ['010', 'B', 8],
    ['1.5kB', 'B', 1536],
    ['1000 ms', 's', 1],
    ['1min', 's', 60],
    ['2h', 's', 7200],
    ['1d', 's', 86400],
    ['10', 's', 10],
    [50, 's', 50],
    [1.5, 'B', 2],
    [2.5, 'B', 2],
  ] as const)('%s (%s) → %s', (raw, base, expected) => {
    expect(parseIntWithUnit(raw, base)).toBe(expected);
  });

  test.each([['nonsense'], ['1mb'], ['1 parsec'], [''], ['MB'], [true], [null], [{}]])('%s → null', (raw) => {
    expect(parseIntWithUnit(raw, 'B')).toBeNull();
  });

  test('n with a memory unit is n times the unit size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(['B', 1], ['kB', 1024], ['MB', 1024 ** 2]),
        (n, [unit, size]) => {
          expect(parseIntWithUnit(`${n}${unit}`, 'B')).toBe(n * (size as number));
        },
      ),
    );
  });

  test('round half to even like Python', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, 2, 3]);
  });
});
