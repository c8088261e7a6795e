/** Issues, results and value descriptions shared by every schema. */

/** Where in the input a problem is: keys and list indexes from the root. */
export type Path = readonly (string | number)[];

/** One validation problem. `message` reads after the dotted path: `ttl: expected an integer, got "x"`. */
export interface Issue {
  readonly path: Path;
  readonly message: string;
}

export type ParseResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: readonly Issue[] } };

/**
 * An issue while parsing. `abort` issues (wrong type, value not allowed, failed transform) stop the checks
 * of the enclosing schemas; the others (a failed length, range or refine check) let them still run, so one
 * pass reports every independent problem.
 */
export interface FoundIssue extends Issue {
  readonly abort: boolean;
}

/** The message of a type mismatch: fixed, or computed from the offending input (`undefined` when absent). */
export type TypeMessage = string | ((input: unknown) => string);

/** Runs a schema: returns the output value and appends any issues (the value is meaningless then). */
export type Parser = (input: unknown, path: Path, issues: FoundIssue[]) => unknown;

const MAX_SHOWN_CHARS = 60;

/** A short, unambiguous rendering of an input value for messages: `5`, `"x"`, `null`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value);
    return shown.length > MAX_SHOWN_CHARS ? `${shown.slice(0, MAX_SHOWN_CHARS - 4)}..."` : shown;
  }
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** `expected <what>, got <value>`, or `is required (expected <what>)` when nothing was given. */
export function mismatchMessage(expected: string, input: unknown, custom?: TypeMessage): string {
  if (typeof custom === 'string') return custom;
  if (custom !== undefined) return custom(input);
  if (input === undefined) return `is required (expected ${expected})`;
  return `expected ${expected}, got ${describeValue(input)}`;
}

/** True when an issue from index `from` on stops the enclosing checks. */
export function abortedSince(issues: readonly FoundIssue[], from: number): boolean {
  for (let i = from; i < issues.length; i += 1) if (issues[i]?.abort) return true;
  return false;
}

/** The public issue list (without the internal `abort` flag). */
export function publicIssues(issues: readonly FoundIssue[]): Issue[] {
  return issues.map(({ path, message }) => ({ path, message }));
}

/** `a.b.0: message; c: message`, each path prefixed with `root` when given. */
export function formatIssues(issues: readonly Issue[], root?: string): string {
  return issues
    .map((issue) => {
      const path = [...(root === undefined ? [] : [root]), ...issue.path.map(String)].join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}
