import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Issue, s } from './index.js';

function issuesOf(schema: { safeParse(input: unknown): unknown }, input: unknown): readonly Issue[] {
  const result = schema.safeParse(input) as { success: boolean; error?: { issues: readonly Issue[] } };
  return result.success ? [] : (result.error?.issues ?? []);
}

describe('arrays', () => {
  it('parse each item and report it by index', () => {
    expect(s.array(s.coerceNumber()).parse(['1', 2])).toEqual([1, 2]);
    expect(issuesOf(s.array(s.string()), ['a', 1, 'b', null])).toEqual([
      { path: [1], message: 'expected a string, got 1' },
      { path: [3], message: 'expected a string, got null' },
    ]);
    expect(issuesOf(s.array(s.string()), 'a')).toEqual([{ path: [], message: 'expected a list, got "a"' }]);
  });

  it('check a minimum length unless an item has the wrong type', () => {
    expect(issuesOf(s.array(s.string()).min(1), [])).toEqual([{ path: [], message: 'must not be empty' }]);
    expect(issuesOf(s.array(s.string()).min(2, 'two please'), ['a'])).toEqual([
      { path: [], message: 'two please' },
    ]);
    expect(issuesOf(s.array(s.string()).min(3), [1])).toEqual([
      { path: [0], message: 'expected a string, got 1' },
    ]);
  });
});

describe('unions', () => {
  const hosts = s.union([s.string().min(1), s.array(s.string().min(1)).min(1)]);

  it('take the first option that accepts the input', () => {
    expect(hosts.parse('a,b')).toBe('a,b');
    expect(hosts.parse(['a'])).toEqual(['a']);
    const text = s.union([s.string(), s.number().transform(String)]);
    expect(text.parse(5)).toBe('5');
  });

  it('name every alternative when no option has the right type', () => {
    expect(issuesOf(hosts, 5)).toEqual([{ path: [], message: 'expected a string or a list, got 5' }]);
    const three = s.union([s.string(), s.number(), s.boolean()]);
    expect(issuesOf(three, null)).toEqual([
      { path: [], message: 'expected a string, a number or a boolean, got null' },
    ]);
  });

  it('report the problem of the one option whose type matched', () => {
    expect(issuesOf(hosts, '')).toEqual([{ path: [], message: 'must not be empty' }]);
    expect(issuesOf(hosts, [''])).toEqual([{ path: [0], message: 'must not be empty' }]);
    expect(issuesOf(hosts, [5])).toEqual([{ path: [0], message: 'expected a string, got 5' }]);
  });

  it('use the custom message when every option fails on type', () => {
    const custom = s.union([s.string(), s.array(s.string())], 'is not an array');
    expect(issuesOf(custom, [5])).toEqual([{ path: [], message: 'is not an array' }]);
    expect(issuesOf(custom, 5)).toEqual([{ path: [], message: 'is not an array' }]);
  });
});

describe('preprocess', () => {
  it('converts the raw input, an absent one included, before parsing', () => {
    const flag = s.preprocess((v) => (v === undefined ? false : v === 'on' ? true : v), s.boolean());
    expect(flag.parse(undefined)).toBe(false);
    expect(flag.parse('on')).toBe(true);
    expect(issuesOf(flag, 'maybe')).toEqual([{ path: [], message: 'expected a boolean, got "maybe"' }]);
  });
});

describe('properties', () => {
  const options = [s.string().min(1), s.int().min(0), s.array(s.boolean()), s.record(s.string(), s.number())];

  it('a union accepts exactly what one of its options accepts, with that option output', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.subarray(options, { minLength: 1 }), (value, chosen) => {
        const results = chosen.map((option) => option.safeParse(value));
        const union = s.union(chosen).safeParse(value);
        expect(union.success).toBe(results.some((result) => result.success));
        const first = results.find((result) => result.success);
        if (union.success && first?.success) expect(union.data).toEqual(first.data);
      }),
    );
  });

  it('a loose object keeps every key it does not know, unchanged', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (input) => {
        const parsed = s.looseObject({ known: s.unknown() }).safeParse(input);
        expect(parsed.success).toBe(true);
        if (parsed.success)
          for (const key of Object.keys(input))
            if (key !== '__proto__') expect(parsed.data[key]).toEqual(input[key]);
      }),
    );
  });
});
