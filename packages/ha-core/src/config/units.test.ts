import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIntWithUnit, pythonInt, roundHalfEven } from './units.js';

describe('parseIntWithUnit (Patroni parse_int)', () => {
  it.each([
    ['1', null, 1],
    [50, null, 50],
    [0, null, 0],
    ['1MB', 'kB', 1024],
    ['1000 ms', 's', 1],
    [' 0x400 MB ', '16384kB', 64],
    ['6GB', '16MB', 384],
    ['4097.4kB', 'kB', 4097],
    ['4097.5kB', 'kB', 4098],
    ['30min', 's', 1800],
    ['1d', 's', 86400],
    ['1h', 'min', 60],
    ['1.5', null, 2],
    ['2.5', null, 2],
    ['-070', null, -56],
    ['1e3', null, 1000],
    ['16MB', 'B', 16 * 1024 * 1024],
    ['1TB', 'GB', null],
    ['1gB', 'MB', null],
    ['1MB', null, null],
    ['nonsense', null, null],
    ['nonsense', 'kB', null],
    ['', null, null],
    [true, null, null],
    [null, 's', null],
  ])('parseIntWithUnit(%j, %j) = %j', (value, baseUnit, expected) => {
    expect(parseIntWithUnit(value, baseUnit)).toBe(expected);
  });

  it('round-trips plain integers, with and without a base unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.constantFrom(null, 'B', 'kB', 's', 'ms'),
        (n, unit) => {
          expect(parseIntWithUnit(String(n), unit)).toBe(n);
        },
      ),
    );
  });
});

describe('pythonInt', () => {
  it.each([
    [30, 30],
    ['30', 30],
    [' 30 ', 30],
    [30.9, 30],
    [true, 1],
    ['30s', null],
    ['3.5', null],
    [null, null],
    [{}, null],
  ])('pythonInt(%j) = %j', (value, expected) => {
    expect(pythonInt(value)).toBe(expected);
  });

  it('roundHalfEven', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, 2, 3]);
  });
});
