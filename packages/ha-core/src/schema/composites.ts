/** Lists, unions and preprocessing. */
import { abortedSince, type FoundIssue, mismatchMessage, type Parser, type TypeMessage } from './issues.js';
import { checked, typeParser } from './primitives.js';
import { type AnySchema, type Infer, type InferInput, Schema } from './schema.js';

export class ArraySchema<Item extends AnySchema> extends Schema<Infer<Item>[], InferInput<Item>[]> {
  constructor(
    readonly item: Item,
    parser: Parser,
  ) {
    super('a list', parser);
  }

  /** At least `count` items; `min(1)` reads `must not be empty`. */
  min(count: number, message?: string): ArraySchema<Item> {
    const fallback = count === 1 ? 'must not be empty' : `must have at least ${count} items`;
    return new ArraySchema(
      this.item,
      checked<unknown[]>(this.parser, (list) => (list.length >= count ? null : (message ?? fallback))),
    );
  }
}

export function array<Item extends AnySchema>(item: Item, message?: TypeMessage): ArraySchema<Item> {
  const isList = typeParser('a list', Array.isArray, message);
  return new ArraySchema(item, (input, path, issues) => {
    const start = issues.length;
    isList(input, path, issues);
    if (issues.length > start) return input;
    return (input as unknown[]).map((element, index) => item.parser(element, [...path, index], issues));
  });
}

/** `a string or a list`; `a, b or c`. */
function alternatives(options: readonly AnySchema[]): string {
  const names = options.map((option) => option.expected);
  return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

interface OptionResult {
  readonly value: unknown;
  readonly issues: FoundIssue[];
}

/**
 * The first option that accepts the input wins. When all refuse: the issues of the only option whose type
 * matched (`hosts.0: expected a string, got 5`), else one issue at the union: `message`, or
 * `expected a string or a list, got 5`.
 */
export function union<const Options extends readonly AnySchema[]>(
  options: Options,
  message?: TypeMessage,
): Schema<Infer<Options[number]>, InferInput<Options[number]>> {
  const expected = alternatives(options);
  return new Schema(expected, (input, path, issues) => {
    const results: OptionResult[] = [];
    for (const option of options) {
      const own: FoundIssue[] = [];
      const value = option.parser(input, path, own);
      if (own.length === 0) return value;
      results.push({ value, issues: own });
    }
    // Only range/refine problems (no type error): that option matched, report why it refused.
    const typeMatched = results.filter((result) => !abortedSince(result.issues, 0));
    const chosen = typeMatched.length === 1 ? typeMatched[0] : undefined;
    if (chosen !== undefined) {
      issues.push(...chosen.issues);
      return chosen.value;
    }
    const deeper = results.filter((result) =>
      result.issues.every((issue) => issue.path.length > path.length),
    );
    const onlyDeeper = deeper.length === 1 ? deeper[0] : undefined;
    if (message === undefined && onlyDeeper !== undefined) issues.push(...onlyDeeper.issues);
    else issues.push({ path, message: mismatchMessage(expected, input, message), abort: true });
    return input;
  });
}

/** Converts the raw input (absent included) before `schema` parses it. */
export function preprocess<S extends AnySchema>(
  convert: (input: unknown) => unknown,
  schema: S,
): Schema<Infer<S>, unknown> {
  return new Schema(schema.expected, (input, path, issues) => schema.parser(convert(input), path, issues));
}
