import { formatIssues, type Issue } from './issues.js';

/** Error codes the schema module can throw; callers match on `code`. */
export const SchemaErrorCode = {
  /** `parse()` was given a value its schema refuses (`safeParse()` returns the issues instead). */
  Invalid: 'SCHEMA_INVALID',
} as const;

/** Thrown by `Schema.parse()`; `issues` lists every problem, the message joins them. */
export class SchemaError extends Error {
  readonly code = SchemaErrorCode.Invalid;
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[]) {
    super(formatIssues(issues));
    this.name = 'SchemaError';
    this.issues = issues;
  }
}
