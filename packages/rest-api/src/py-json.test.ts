import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { epochSecondsText, parseTimestamp, pyJson, toPythonDatetimeText } from './py-json.js';

const REFERENCE = '/work/shared/reference/patroni-3.0.2';

describe('pyJson writes what Python json.dumps writes', () => {
  test.each([
    'GET_patroni.leader.json',
    'GET_patroni.replica.json',
    'GET_cluster.leader.json',
    'GET_config.leader.json',
    'GET_history.leader.json',
  ])('re-serialising the captured %s gives the same bytes', (file) => {
    const captured = readFileSync(`${REFERENCE}/${file}`, 'utf8');
    expect(pyJson(JSON.parse(captured))).toBe(captured);
  });

  test('escapes non-ASCII and control characters as \\uXXXX, keeps /', () => {
    expect(pyJson({ a: 'é€😀', b: '\u0001\n"\\/', c: '\u007f' })).toBe(
      '{"a": "\\u00e9\\u20ac\\ud83d\\ude00", "b": "\\u0001\\n\\"\\\\/", "c": "\\u007f"}',
    );
  });

  test('round-trips through JSON.parse for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(pyJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('timestamps', () => {
  test('PostgreSQL text becomes Python str(datetime)', () => {
    expect(toPythonDatetimeText('2026-11-26 10:03:39.052841+00')).toBe('2026-11-26 10:03:39.052841+00:00');
    expect(toPythonDatetimeText('2026-11-26T10:03:39Z')).toBe('2026-11-26 10:03:39+00:00');
    expect(toPythonDatetimeText('2026-11-26 12:03:39.5+02')).toBe('2026-11-26 12:03:39.500000+02:00');
  });

  test('epoch seconds as Python float repr (captured metrics values)', () => {
    expect(epochSecondsText('2026-11-26 10:03:39.052841+00:00')).toBe('1795687419.052841');
    expect(epochSecondsText('2026-11-26 10:03:54.730517+00:00')).toBe('1795687434.730517');
    expect(epochSecondsText('2026-11-26 10:03:54+00:00')).toBe('1795687434.0');
    expect(epochSecondsText(null)).toBe('0');
  });

  test('rejects impossible dates and garbage', () => {
    expect(parseTimestamp('2026-02-30T10:00:00Z')).toBeNull();
    expect(parseTimestamp('tomorrow')).toBeNull();
    expect(parseTimestamp('2026-01-01T10:00:00')?.offsetMinutes).toBeNull();
  });
});
