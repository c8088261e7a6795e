/** Mappings: objects with known keys, and records (any keys, one value schema). */
import { type FoundIssue, mismatchMessage, type Parser, type TypeMessage } from './issues.js';
import { type EnumSchema, typeParser } from './primitives.js';
import { type AnySchema, type Infer, type InferInput, Schema } from './schema.js';

export type Shape = Readonly<Record<string, AnySchema>>;

type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
type Flatten<T> = { [K in keyof T]: T[K] } & {};
/** Keys whose value may be `undefined` become optional (`key?:`), as an absent key parses to undefined. */
type WithOptionalKeys<T> = Flatten<
  { [K in Exclude<keyof T, OptionalKeys<T>>]: T[K] } & { [K in OptionalKeys<T>]?: T[K] }
>;

export type ObjectOutput<S extends Shape> = WithOptionalKeys<{ [K in keyof S]: Infer<S[K]> }>;
export type ObjectInput<S extends Shape> = WithOptionalKeys<{ [K in keyof S]: InferInput<S[K]> }>;
/** A loose object's unknown keys are kept as they are. */
export type Loose<T> = T & { [key: string]: unknown };

/** What happens to keys the shape does not name. */
type UnknownKeys = 'strip' | 'keep' | 'refuse';

function isMapping(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** A mapping built by an object literal or `Object.create(null)` (YAML/JSON give only these). */
function isPlainMapping(input: unknown): input is Record<string, unknown> {
  if (!isMapping(input)) return false;
  const ctor: unknown = input.constructor;
  if (typeof ctor !== 'function') return true;
  const proto: unknown = ctor.prototype;
  return typeof proto === 'object' && proto !== null && Object.hasOwn(proto, 'isPrototypeOf');
}

function keyList(keys: readonly string[]): string {
  return keys.map((key) => JSON.stringify(key)).join(', ');
}

function unknownKeysMessage(unknown: readonly string[], allowed: readonly string[]): string {
  const noun = unknown.length === 1 ? 'key' : 'keys';
  return `unknown ${noun} ${keyList(unknown)} (allowed: ${allowed.join(', ')})`;
}

function objectParser(shape: Shape, unknownKeys: UnknownKeys, message?: TypeMessage): Parser {
  const keys = Object.keys(shape);
  const known = new Set(keys);
  const isObject = typeParser('a mapping', isMapping, message);
  return (input, path, issues) => {
    const start = issues.length;
    isObject(input, path, issues);
    if (issues.length > start) return input;
    const source = input as Record<string, unknown>;
    const output: Record<string, unknown> = {};
    for (const key of keys) {
      const value = shape[key]?.parser(source[key], [...path, key], issues);
      // An absent optional key stays absent rather than becoming `key: undefined`.
      if (value !== undefined || key in source) output[key] = value;
    }
    if (unknownKeys === 'strip') return output;
    const extra = Object.keys(source).filter((key) => !known.has(key) && key !== '__proto__');
    if (unknownKeys === 'keep') for (const key of extra) output[key] = source[key];
    else if (extra.length > 0) issues.push({ path, message: unknownKeysMessage(extra, keys), abort: false });
    return output;
  };
}

/** Known keys only: unknown keys are dropped from the output. */
export function object<S extends Shape>(
  shape: S,
  message?: TypeMessage,
): Schema<ObjectOutput<S>, ObjectInput<S>> {
  return new Schema('a mapping', objectParser(shape, 'strip', message));
}

/** Unknown keys are kept unchanged (Patroni accepts keys it does not know). */
export function looseObject<S extends Shape>(
  shape: S,
  message?: TypeMessage,
): Schema<Loose<ObjectOutput<S>>, Loose<ObjectInput<S>>> {
  return new Schema('a mapping', objectParser(shape, 'keep', message));
}

/** Unknown keys are refused: `unknown key "on_strat" (allowed: on_start, ...)`. */
export function strictObject<S extends Shape>(
  shape: S,
  message?: TypeMessage,
): Schema<ObjectOutput<S>, ObjectInput<S>> {
  return new Schema('a mapping', objectParser(shape, 'refuse', message));
}

function recordParser(
  key: Schema<string, unknown>,
  value: AnySchema,
  allowedKeys: readonly string[] | null,
  message?: TypeMessage,
): Parser {
  return (input, path, issues) => {
    if (!isPlainMapping(input)) {
      issues.push({ path, message: mismatchMessage('a mapping', input, message), abort: true });
      return input;
    }
    const output: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const name of Object.keys(input)) {
      if (name === '__proto__') continue;
      const keyIssues: FoundIssue[] = [];
      const outputName = String(key.parser(name, [...path, name], keyIssues));
      if (keyIssues.length > 0) {
        if (allowedKeys !== null) unknown.push(name);
        else
          issues.push({
            path: [...path, name],
            message: `invalid key: ${keyIssues[0]?.message}`,
            abort: true,
          });
        continue;
      }
      output[outputName] = value.parser(input[name], [...path, name], issues);
    }
    if (unknown.length > 0 && allowedKeys !== null)
      issues.push({ path, message: unknownKeysMessage(unknown, allowedKeys), abort: false });
    return output;
  };
}

/** A mapping of any keys (each checked by `key`) to values checked by `value`. */
export function record<K extends Schema<string, unknown>, V extends AnySchema>(
  key: K,
  value: V,
  message?: TypeMessage,
): Schema<Record<Infer<K>, Infer<V>>, Record<string, InferInput<V>>> {
  return new Schema('a mapping', recordParser(key, value, null, message));
}

/** A mapping whose keys, all optional, come from an enum; other keys are refused. */
export function partialRecord<K extends string, V extends AnySchema>(
  key: EnumSchema<K>,
  value: V,
  message?: TypeMessage,
): Schema<Partial<Record<K, Infer<V>>>, Partial<Record<K, InferInput<V>>>> {
  return new Schema('a mapping', recordParser(key, value, key.values, message));
}
