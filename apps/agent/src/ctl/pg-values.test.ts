import { describe, expect, it } from 'vitest';
import { PyFloat, parseArray, pgCellValue, pythonDateTime } from './pg-values.js';
import { pyJsonDumps, pyStr } from './py-json.js';

describe('PostgreSQL text → the values psycopg2 gives patronictl', () => {
  it('floats print as Python floats', () => {
    expect([1, 2.5, -0.125, 1e21, 1e-7].map((v) => new PyFloat(v).toString())).toEqual([
      '1.0',
      '2.5',
      '-0.125',
      '1e+21',
      '1e-07',
    ]);
    expect(pyStr(pgCellValue('NaN', 701))).toBe('nan');
    expect(pyJsonDumps([pgCellValue('3', 701), pgCellValue('-Infinity', 700)])).toBe('[3.0, -Infinity]');
  });

  it('timestamps as str(datetime)', () => {
    expect(pythonDateTime('2024-01-02 03:04:05.5+02')).toBe('2024-01-02 03:04:05.500000+02:00');
    expect(pythonDateTime('2024-01-02 03:04:05+05:30')).toBe('2024-01-02 03:04:05+05:30');
    expect(pythonDateTime('2024-01-02 03:04:05.123456')).toBe('2024-01-02 03:04:05.123456');
    expect(pythonDateTime('infinity')).toBe('infinity');
  });

  it('one-dimensional arrays, NULLs, bools, ints, json', () => {
    expect(parseArray('{1,2,NULL}')).toEqual(['1', '2', null]);
    expect(parseArray('{"a b","c\\"d",e}')).toEqual(['a b', 'c"d', 'e']);
    expect(parseArray('{}')).toEqual([]);
    expect(parseArray('{{1},{2}}')).toBeNull();
    expect(pyStr(pgCellValue('{x,NULL}', 1009))).toBe("['x', None]");
    expect(pyStr(pgCellValue('t', 16))).toBe('True');
    expect(pgCellValue('9007199254740993', 20)).toBe('9007199254740993');
    expect(pgCellValue('42', 23)).toBe(42);
    expect(pyStr(pgCellValue('{"a": [1, "b"]}', 3802))).toBe("{'a': [1, 'b']}");
    expect(pgCellValue(null, 25)).toBeNull();
    expect(pgCellValue('1.50', 1700)).toBe('1.50');
  });
});
