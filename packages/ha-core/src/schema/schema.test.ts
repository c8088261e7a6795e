import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Infer, type InferInput, type Issue, SchemaError, SchemaErrorCode, s } from './index.js';

function issuesOf(schema: { safeParse(input: unknown): unknown }, input: unknown): readonly Issue[] {
  const result = schema.safeParse(input) as { success: boolean; error?: { issues: readonly Issue[] } };
  return result.success ? [] : (result.error?.issues ?? []);
}

describe('schema wrappers', () => {
  it('optional and nullable let undefined and null through', () => {
    expect(s.string().optional().safeParse(undefined)).toEqual({ success: true, data: undefined });
    expect(s.string().nullable().safeParse(null)).toEqual({ success: true, data: null });
    expect(issuesOf(s.string().nullable(), undefined)).toHaveLength(1);
    expect(issuesOf(s.string().optional(), null)).toEqual([
      { path: [], message: 'expected a string, got null' },
    ]);
  });

  it('default replaces undefined only, with a fresh copy each time', () => {
    const list = s.array(s.string()).default([]);
    const first = list.parse(undefined);
    first.push('x');
    expect(list.parse(undefined)).toEqual([]);
    expect(s.int().default(60).parse(5)).toBe(5);
    expect(issuesOf(s.int().default(60), null)).toHaveLength(1);
  });

  it('catch replaces any invalid input silently', () => {
    const host = s.string().nullable().catch(null);
    expect(host.parse(5)).toBeNull();
    expect(host.parse(undefined)).toBeNull();
    expect(host.parse('h')).toBe('h');
  });

  it('transform converts valid values and may refuse with an aborting issue', () => {
    const even = s.int().transform((n, ctx) => (n % 2 === 0 ? n / 2 : ctx.invalid(`${n} is odd`)));
    expect(even.parse(4)).toBe(2);
    expect(issuesOf(even, 3)).toEqual([{ path: [], message: '3 is odd' }]);
    // Not called on a value that already failed.
    expect(issuesOf(even, 'x')).toEqual([{ path: [], message: 'expected an integer, got "x"' }]);
    const refined = even.refine(() => false, 'never reached');
    expect(issuesOf(refined, 3)).toEqual([{ path: [], message: '3 is odd' }]);
  });

  it('pipe parses the output with the next schema', () => {
    const verify = s
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(s.oneOf(['none', 'required']));
    expect(verify.parse('NONE')).toBe('none');
    expect(issuesOf(verify, 'Maybe')).toEqual([
      { path: [], message: 'expected one of: none, required, got "maybe"' },
    ]);
  });

  it('refine and superRefine report at the value or below it, and are skipped after a type error', () => {
    const pair = s.looseObject({ a: s.int().optional(), b: s.int().optional() }).superRefine((value, ctx) => {
      if (value.a !== undefined && value.b !== undefined) ctx.addIssue('a and b exclude each other');
      if (value.a === 0) ctx.addIssue('must not be 0', ['a']);
    });
    expect(issuesOf(pair, { a: 1, b: 2 })).toEqual([{ path: [], message: 'a and b exclude each other' }]);
    expect(issuesOf(pair, { a: 0 })).toEqual([{ path: ['a'], message: 'must not be 0' }]);
    expect(issuesOf(pair, { a: 'x', b: 2 })).toEqual([
      { path: ['a'], message: 'expected an integer, got "x"' },
    ]);
    expect(
      issuesOf(
        s.string().refine((v) => v !== '', 'is empty'),
        '',
      ),
    ).toEqual([{ path: [], message: 'is empty' }]);
  });

  it('refine still runs after a failed range check, so independent problems are all reported', () => {
    const section = s
      .looseObject({ port: s.int().min(1).optional(), host: s.string().optional() })
      .refine((v) => v.host !== undefined, 'host is required');
    expect(issuesOf(section, { port: 0 })).toEqual([
      { path: ['port'], message: 'must be at least 1, got 0' },
      { path: [], message: 'host is required' },
    ]);
  });

  it('parse throws a coded SchemaError listing every issue', () => {
    const schema = s.object({ a: s.string(), b: s.int() });
    try {
      schema.parse({ a: 1, b: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaError);
      expect(error).toMatchObject({ code: SchemaErrorCode.Invalid });
      expect((error as Error).message).toBe('a: expected a string, got 1; b: expected an integer, got "x"');
    }
  });

  it('infers output and input types', () => {
    const schema = s.looseObject({
      name: s.string(),
      port: s.coerceNumber().int().default(5432),
      tags: s.array(s.string()).optional(),
      mode: s.oneOf(['a', 'b']).nullable(),
    });
    type Out = Infer<typeof schema>;
    type In = InferInput<typeof schema>;
    expectTypeOf<Out['name']>().toEqualTypeOf<string>();
    expectTypeOf<Out['port']>().toEqualTypeOf<number>();
    expectTypeOf<Out['mode']>().toEqualTypeOf<'a' | 'b' | null>();
    expectTypeOf<Out['tags']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<In>().toMatchTypeOf<{ name: string; port?: unknown; tags?: string[] }>();
    expectTypeOf<{ name: 'x'; mode: null }>().toMatchTypeOf<In>();
  });
});

describe('abort semantics', () => {
  it('a fraction where an integer is expected stops the range checks', () => {
    expect(issuesOf(s.int().min(20), 1.5)).toEqual([{ path: [], message: 'expected an integer, got 1.5' }]);
    const withRefine = s.looseObject({ a: s.int() }).refine(() => false, 'never reached');
    expect(issuesOf(withRefine, { a: 1.5 })).toEqual([
      { path: ['a'], message: 'expected an integer, got 1.5' },
    ]);
  });
});
