import { describe, expect, it } from 'vitest';
import { type Issue, s } from './index.js';

function issuesOf(schema: { safeParse(input: unknown): unknown }, input: unknown): readonly Issue[] {
  const result = schema.safeParse(input) as { success: boolean; error?: { issues: readonly Issue[] } };
  return result.success ? [] : (result.error?.issues ?? []);
}

const shape = { name: s.string(), port: s.int().default(5432), note: s.string().optional() };

describe('objects', () => {
  it('strip, keep or refuse unknown keys', () => {
    expect(s.object(shape).parse({ name: 'a', x: 1 })).toEqual({ name: 'a', port: 5432 });
    expect(s.looseObject(shape).parse({ x: 1, name: 'a' })).toEqual({ name: 'a', port: 5432, x: 1 });
    expect(issuesOf(s.strictObject(shape), { name: 'a', nmae: 1, x: 2 })).toEqual([
      { path: [], message: 'unknown keys "nmae", "x" (allowed: name, port, note)' },
    ]);
  });

  it('leave absent optional keys absent, keep explicit ones, shape keys first', () => {
    const parsed = s.looseObject(shape).parse({ extra: true, note: undefined, name: 'n' });
    expect(Object.keys(parsed)).toEqual(['name', 'port', 'note', 'extra']);
    expect('note' in s.looseObject(shape).parse({ name: 'n' })).toBe(false);
  });

  it('report every bad key with its path, nested ones too', () => {
    const outer = s.looseObject({ auth: s.looseObject({ user: s.string() }), ttl: s.int() });
    expect(issuesOf(outer, { auth: { user: 1 } })).toEqual([
      { path: ['auth', 'user'], message: 'expected a string, got 1' },
      { path: ['ttl'], message: 'is required (expected an integer)' },
    ]);
    expect(issuesOf(outer, [])).toEqual([{ path: [], message: 'expected a mapping, got a list' }]);
    expect(issuesOf(s.looseObject({}, 'is not a dictionary'), 'x')).toEqual([
      { path: [], message: 'is not a dictionary' },
    ]);
  });
});

describe('records', () => {
  it('check every key and value', () => {
    const params = s.record(s.string(), s.union([s.string(), s.number()]));
    expect(params.parse({ a: 1, b: 'x' })).toEqual({ a: 1, b: 'x' });
    expect(issuesOf(params, { a: true })).toEqual([
      { path: ['a'], message: 'expected a string or a number, got true' },
    ]);
    expect(issuesOf(s.record(s.string().min(1), s.string()), { '': 'x' })).toEqual([
      { path: [''], message: 'invalid key: must not be empty' },
    ]);
    expect(issuesOf(params, ['a'])).toEqual([{ path: [], message: 'expected a mapping, got a list' }]);
    expect(issuesOf(params, new Date(0))).toHaveLength(1);
  });

  it('partial records accept only the enum keys', () => {
    const binName = s.partialRecord(s.oneOf(['pg_ctl', 'initdb']), s.string().min(1));
    expect(binName.parse({ initdb: 'x' })).toEqual({ initdb: 'x' });
    expect(issuesOf(binName, { pg_ctl: '', psql: 'p' })).toEqual([
      { path: ['pg_ctl'], message: 'must not be empty' },
      { path: [], message: 'unknown key "psql" (allowed: pg_ctl, initdb)' },
    ]);
  });
});
