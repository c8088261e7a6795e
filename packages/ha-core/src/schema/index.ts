/**
 * A small, typed schema builder for configuration and DCS values (zod-like, without zod's load cost).
 * Build with `s.*`, then `schema.safeParse(input)` → `{ success: true, data }` or
 * `{ success: false, error: { issues: [{ path, message }] } }`.
 */
import { array, preprocess, union } from './composites.js';
import { looseObject, object, partialRecord, record, strictObject } from './objects.js';
import { boolean, coerceNumber, int, literal, number, oneOf, string, unknown } from './primitives.js';

export { ArraySchema } from './composites.js';
export { SchemaError, SchemaErrorCode } from './errors.js';
export {
  describeValue,
  formatIssues,
  type Issue,
  type ParseResult,
  type Path,
  type TypeMessage,
} from './issues.js';
export type { Loose, ObjectInput, ObjectOutput, Shape } from './objects.js';
export { EnumSchema, NumberSchema, StringSchema } from './primitives.js';
export {
  type AnySchema,
  type Infer,
  type InferInput,
  type RefineContext,
  Schema,
  type TransformContext,
} from './schema.js';

/** The builders: `s.looseObject({ ttl: s.int().min(1), name: s.string().optional() })`. */
export const s = {
  string,
  number,
  int,
  boolean,
  unknown,
  literal,
  oneOf,
  coerceNumber,
  array,
  union,
  preprocess,
  object,
  looseObject,
  strictObject,
  record,
  partialRecord,
} as const;
