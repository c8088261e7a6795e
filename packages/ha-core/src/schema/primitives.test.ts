import { describe, expect, it } from 'vitest';
import { s } from './index.js';

function issuesOf(schema: { safeParse(input: unknown): unknown }, input: unknown): unknown {
  const result = schema.safeParse(input) as { success: boolean; error?: { issues: unknown } };
  return result.success ? [] : result.error?.issues;
}

describe('scalar schemas', () => {
  it('accept their type and name the problem otherwise', () => {
    expect(s.string().safeParse('x')).toEqual({ success: true, data: 'x' });
    expect(issuesOf(s.string(), 5)).toEqual([{ path: [], message: 'expected a string, got 5' }]);
    expect(issuesOf(s.number(), '5')).toEqual([{ path: [], message: 'expected a number, got "5"' }]);
    expect(issuesOf(s.boolean(), null)).toEqual([{ path: [], message: 'expected a boolean, got null' }]);
    expect(issuesOf(s.string(), undefined)).toEqual([
      { path: [], message: 'is required (expected a string)' },
    ]);
    expect(issuesOf(s.string(), [1])).toEqual([{ path: [], message: 'expected a string, got a list' }]);
    expect(issuesOf(s.string(), { a: 1 })).toEqual([
      { path: [], message: 'expected a string, got a mapping' },
    ]);
  });

  it('refuses NaN and infinities as numbers, fractions as integers', () => {
    expect(issuesOf(s.number(), Number.NaN)).toEqual([{ path: [], message: 'expected a number, got NaN' }]);
    expect(s.number().safeParse(Number.POSITIVE_INFINITY).success).toBe(false);
    expect(issuesOf(s.int(), 1.5)).toEqual([{ path: [], message: 'expected an integer, got 1.5' }]);
    expect(s.int().safeParse(2 ** 53).success).toBe(false);
    expect(s.int().safeParse(-7)).toEqual({ success: true, data: -7 });
  });

  it('uses a custom type message, fixed or computed from the input', () => {
    const said = s.int((input) => (input === undefined ? 'is not defined.' : 'is not an integer'));
    expect(issuesOf(said, undefined)).toEqual([{ path: [], message: 'is not defined.' }]);
    expect(issuesOf(said, 'x')).toEqual([{ path: [], message: 'is not an integer' }]);
    expect(issuesOf(said, 1.5)).toEqual([{ path: [], message: 'is not an integer' }]);
    expect(issuesOf(s.string('not text'), 1)).toEqual([{ path: [], message: 'not text' }]);
  });

  it('coerces with Number() like PATRONI_* strings need', () => {
    const port = s.coerceNumber().int().min(1).max(65535);
    expect(port.safeParse('8008')).toEqual({ success: true, data: 8008 });
    expect(port.safeParse(8008)).toEqual({ success: true, data: 8008 });
    expect(s.coerceNumber().safeParse(null)).toEqual({ success: true, data: 0 });
    expect(issuesOf(port, 'http')).toEqual([{ path: [], message: 'expected a number, got "http"' }]);
    expect(issuesOf(port, '70000')).toEqual([{ path: [], message: 'must be at most 65535, got 70000' }]);
    expect(issuesOf(port, '1.5')).toEqual([{ path: [], message: 'expected an integer, got 1.5' }]);
  });

  it('checks string length, pattern, prefix and URLs', () => {
    expect(issuesOf(s.string().min(1), '')).toEqual([{ path: [], message: 'must not be empty' }]);
    expect(issuesOf(s.string().min(3), 'ab')).toEqual([
      { path: [], message: 'must be at least 3 characters long' },
    ]);
    expect(issuesOf(s.string().regex(/^\d+$/, 'expected digits'), 'a1')).toEqual([
      { path: [], message: 'expected digits' },
    ]);
    expect(issuesOf(s.string().startsWith('/'), 'tmp')).toEqual([
      { path: [], message: 'must start with "/"' },
    ]);
    expect(s.string().url().safeParse(' http://h:2379 ')).toEqual({ success: true, data: 'http://h:2379' });
    expect(issuesOf(s.string().url(), 'not a url')).toEqual([
      { path: [], message: 'expected a URL, got "not a url"' },
    ]);
  });

  it('checks range limits with the limit and the value in the message', () => {
    expect(issuesOf(s.number().min(0), -1)).toEqual([{ path: [], message: 'must be at least 0, got -1' }]);
    expect(issuesOf(s.int().min(1, 'too small'), 0)).toEqual([{ path: [], message: 'too small' }]);
  });

  it('matches literals and enums exactly', () => {
    expect(s.literal(false).safeParse(false)).toEqual({ success: true, data: false });
    expect(issuesOf(s.literal(false), 'false')).toEqual([
      { path: [], message: 'expected false, got "false"' },
    ]);
    const mode = s.oneOf(['off', 'on', 'remote_write']);
    expect(mode.safeParse('on')).toEqual({ success: true, data: 'on' });
    expect(issuesOf(mode, 'x')).toEqual([
      { path: [], message: 'expected one of: off, on, remote_write, got "x"' },
    ]);
    expect(issuesOf(mode, 'ON')).toHaveLength(1);
    expect(s.unknown().safeParse(undefined)).toEqual({ success: true, data: undefined });
  });

  it('shortens long strings in messages', () => {
    const [issue] = issuesOf(s.number(), 'x'.repeat(500)) as { message: string }[];
    expect(issue?.message.length).toBeLessThan(90);
  });
});
