/** The schema base: parsing entry points and the wrappers every schema has (optional, default, transform...). */
import { SchemaError } from './errors.js';
import {
  abortedSince,
  type FoundIssue,
  type ParseResult,
  type Parser,
  type Path,
  publicIssues,
} from './issues.js';

/** Handed to `superRefine` and `transform` callbacks. */
export interface RefineContext {
  /** Records a problem at the value being checked, or at `subPath` below it. */
  addIssue(message: string, subPath?: Path): void;
}

export interface TransformContext extends RefineContext {
  /** Records a problem; `return ctx.invalid(...)` from a transform that cannot produce a value. */
  invalid(message: string, subPath?: Path): never;
}

function contextAt(path: Path, issues: FoundIssue[], abort: boolean): TransformContext {
  const addIssue = (message: string, subPath: Path = []) => {
    issues.push({ path: [...path, ...subPath], message, abort });
  };
  return {
    addIssue,
    invalid(message: string, subPath?: Path): never {
      addIssue(message, subPath);
      // The value is discarded: the parse has failed.
      return undefined as never;
    },
  };
}

/** A fresh copy of a default, so one parse's output never aliases another's. */
function copyOf<T>(value: T): T {
  if (Array.isArray(value)) return [...value] as T;
  if (typeof value === 'object' && value !== null) return { ...value };
  return value;
}

/**
 * A validator and converter from an input of type `In` to a value of type `Out`. Immutable: every method
 * returns a new schema. Parsing never throws except `parse()`.
 */
export class Schema<Out, In = Out> {
  /** Type-level only: the parsed value's type (`Infer<typeof schema>`). */
  declare readonly _output: Out;
  /** Type-level only: the accepted input's type (`InferInput<typeof schema>`). */
  declare readonly _input: In;

  /**
   * @param expected what a valid value is, for messages: `a string`, `one of: a, b`.
   * @param parser does the work; see `Parser`.
   */
  constructor(
    readonly expected: string,
    readonly parser: Parser,
  ) {}

  safeParse(input: unknown): ParseResult<Out> {
    const issues: FoundIssue[] = [];
    const data = this.parser(input, [], issues);
    if (issues.length === 0) return { success: true, data: data as Out };
    return { success: false, error: { issues: publicIssues(issues) } };
  }

  /** Like `safeParse`, but throws `SchemaError` (SCHEMA_INVALID) listing every issue. */
  parse(input: unknown): Out {
    const result = this.safeParse(input);
    if (!result.success) throw new SchemaError(result.error.issues);
    return result.data;
  }

  /** `undefined` (an absent key) is accepted and stays absent. */
  optional(): Schema<Out | undefined, In | undefined> {
    return new Schema(this.expected, (input, path, issues) =>
      input === undefined ? undefined : this.parser(input, path, issues),
    );
  }

  nullable(): Schema<Out | null, In | null> {
    return new Schema(`${this.expected} or null`, (input, path, issues) =>
      input === null ? null : this.parser(input, path, issues),
    );
  }

  /** `undefined` (an absent key) becomes a copy of `value`, which is not validated. */
  default(value: Exclude<Out, undefined>): Schema<Exclude<Out, undefined>, In | undefined> {
    return new Schema(this.expected, (input, path, issues) =>
      input === undefined ? copyOf(value) : this.parser(input, path, issues),
    );
  }

  /** Any invalid input (absent included) becomes a copy of `value`, silently. */
  catch(value: Out): Schema<Out, In> {
    return new Schema(this.expected, (input, path) => {
      const own: FoundIssue[] = [];
      const parsed = this.parser(input, path, own);
      return own.length === 0 ? parsed : copyOf(value);
    });
  }

  /** Converts a valid value; not called when the value has issues. Its issues stop enclosing checks. */
  transform<Next>(convert: (value: Out, ctx: TransformContext) => Next): Schema<Next, In> {
    return new Schema(this.expected, (input, path, issues) => {
      const start = issues.length;
      const value = this.parser(input, path, issues);
      if (issues.length > start) return value;
      return convert(value as Out, contextAt(path, issues, true));
    });
  }

  /** Parses this schema's output with `next` (e.g. normalise case, then check against an enum). */
  pipe<Next>(next: Schema<Next, unknown>): Schema<Next, In> {
    return new Schema(next.expected, (input, path, issues) => {
      const start = issues.length;
      const value = this.parser(input, path, issues);
      return issues.length > start ? value : next.parser(value, path, issues);
    });
  }

  /** Adds a check; `message` is reported when `isValid` returns false. */
  refine(isValid: (value: Out) => boolean, message: string): Schema<Out, In> {
    return this.superRefine((value, ctx) => {
      if (!isValid(value)) ctx.addIssue(message);
    });
  }

  /** Adds a check that may report several issues, at sub-paths too. Skipped when the value has the wrong type. */
  superRefine(check: (value: Out, ctx: RefineContext) => void): Schema<Out, In> {
    return new Schema(this.expected, (input, path, issues) => {
      const start = issues.length;
      const value = this.parser(input, path, issues);
      if (!abortedSince(issues, start)) check(value as Out, contextAt(path, issues, false));
      return value;
    });
  }
}

/** Any schema (for constraints on generic parameters). */
export type AnySchema = Schema<unknown, unknown>;

/** The parsed value's type of a schema. */
export type Infer<S extends AnySchema> = S['_output'];
/** The input type a schema accepts (before defaults and transforms). */
export type InferInput<S extends AnySchema> = S['_input'];
