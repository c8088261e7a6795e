/** Scalar schemas: strings, numbers, booleans, literals, enums, and `unknown`. */
import {
  abortedSince,
  describeValue,
  type FoundIssue,
  mismatchMessage,
  type Parser,
  type TypeMessage,
} from './issues.js';
import { Schema } from './schema.js';

/** A parser that accepts inputs passing `isType` and reports the rest as a type mismatch (which aborts). */
export function typeParser(
  expected: string,
  isType: (input: unknown) => boolean,
  message?: TypeMessage,
): Parser {
  return (input, path, issues) => {
    if (!isType(input))
      issues.push({ path, message: mismatchMessage(expected, input, message), abort: true });
    return input;
  };
}

/** Runs `check` on the parsed value unless it already failed with a wrong type; a problem does not abort. */
export function checked<T>(base: Parser, check: (value: T) => string | null): Parser {
  return (input, path, issues: FoundIssue[]) => {
    const start = issues.length;
    const value = base(input, path, issues);
    if (abortedSince(issues, start)) return value;
    const problem = check(value as T);
    if (problem !== null) issues.push({ path, message: problem, abort: false });
    return value;
  };
}

const TAB_OR_NEWLINE = /[\t\n\r]/g;

export class StringSchema extends Schema<string> {
  /** At least `length` characters; `min(1)` reads `must not be empty`. */
  min(length: number, message?: string): StringSchema {
    const fallback = length === 1 ? 'must not be empty' : `must be at least ${length} characters long`;
    return this.check((value) => (value.length >= length ? null : (message ?? fallback)));
  }

  regex(pattern: RegExp, message?: string): StringSchema {
    return this.check((value) => {
      pattern.lastIndex = 0;
      return pattern.test(value) ? null : (message ?? `does not match ${pattern}`);
    });
  }

  startsWith(prefix: string, message?: string): StringSchema {
    return this.check((value) =>
      value.startsWith(prefix) ? null : (message ?? `must start with ${JSON.stringify(prefix)}`),
    );
  }

  /** An absolute URL (`scheme:...`, as WHATWG `URL` parses it); the value is trimmed, tabs and newlines dropped. */
  url(message?: string): StringSchema {
    const base = this.parser;
    return new StringSchema('a URL', (input, path, issues) => {
      const start = issues.length;
      const value = base(input, path, issues);
      if (abortedSince(issues, start)) return value;
      const trimmed = (value as string).trim();
      if (URL.canParse(trimmed)) return trimmed.replace(TAB_OR_NEWLINE, '');
      issues.push({ path, message: message ?? `expected a URL, got ${describeValue(value)}`, abort: false });
      return value;
    });
  }

  private check(problemOf: (value: string) => string | null): StringSchema {
    return new StringSchema(this.expected, checked(this.parser, problemOf));
  }
}

/** `In` is `unknown` for `coerceNumber()`, which accepts any input. */
export class NumberSchema<In = number> extends Schema<number, In> {
  /** A safe integer; `message` replaces `expected an integer, got 1.5`. A fraction is a type error (aborts). */
  int(message?: TypeMessage): NumberSchema<In> {
    const base = this.parser;
    return new NumberSchema<In>('an integer', (input, path, issues) => {
      const start = issues.length;
      const value = base(input, path, issues);
      if (issues.length === start && !Number.isSafeInteger(value))
        issues.push({ path, message: mismatchMessage('an integer', value, message), abort: true });
      return value;
    });
  }

  min(minimum: number, message?: string): NumberSchema<In> {
    return this.check((value) =>
      value >= minimum ? null : (message ?? `must be at least ${minimum}, got ${value}`),
    );
  }

  max(maximum: number, message?: string): NumberSchema<In> {
    return this.check((value) =>
      value <= maximum ? null : (message ?? `must be at most ${maximum}, got ${value}`),
    );
  }

  private check(problemOf: (value: number) => string | null): NumberSchema<In> {
    return new NumberSchema<In>(this.expected, checked(this.parser, problemOf));
  }
}

const isFiniteNumber = (input: unknown) => typeof input === 'number' && Number.isFinite(input);

export function string(message?: TypeMessage): StringSchema {
  return new StringSchema(
    'a string',
    typeParser('a string', (input) => typeof input === 'string', message),
  );
}

/** A finite number (NaN and ±Infinity are refused). */
export function number(message?: TypeMessage): NumberSchema {
  return new NumberSchema('a number', typeParser('a number', isFiniteNumber, message));
}

/** A safe integer; `message` is used for every problem with the value's type. */
export function int(message?: TypeMessage): NumberSchema {
  return new NumberSchema('an integer', typeParser('an integer', isFiniteNumber, message)).int(message);
}

/** Any input converted with `Number()` (so `'5'` → 5, `''` and `null` → 0), then a finite number. */
export function coerceNumber(message?: TypeMessage): NumberSchema<unknown> {
  return new NumberSchema<unknown>('a number', (input, path, issues) => {
    let value: unknown;
    try {
      value = Number(input);
    } catch {
      value = Number.NaN;
    }
    if (!isFiniteNumber(value))
      issues.push({ path, message: mismatchMessage('a number', input, message), abort: true });
    return value;
  });
}

export function boolean(message?: TypeMessage): Schema<boolean> {
  return new Schema(
    'a boolean',
    typeParser('a boolean', (input) => typeof input === 'boolean', message),
  );
}

/** Accepts anything, unchanged (an absent key included). */
export function unknown(): Schema<unknown> {
  return new Schema('anything', (input) => input);
}

type LiteralValue = string | number | boolean | null;

export function literal<const T extends LiteralValue>(value: T, message?: TypeMessage): Schema<T> {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new Schema(
    shown,
    typeParser(shown, (input) => input === value, message),
  );
}

export class EnumSchema<T extends string> extends Schema<T> {
  constructor(
    readonly values: readonly T[],
    message?: TypeMessage,
  ) {
    const expected = `one of: ${values.join(', ')}`;
    const allowed = new Set<unknown>(values);
    super(
      expected,
      typeParser(expected, (input) => allowed.has(input), message),
    );
  }
}

/** One of the given strings, exactly (case matters): `expected one of: off, on, got "x"`. */
export function oneOf<const T extends readonly string[]>(
  values: T,
  message?: TypeMessage,
): EnumSchema<T[number]> {
  return new EnumSchema<T[number]>(values, message);
}
