/** Lenient scalar parsing shared by the model and the config (Patroni's `parse_bool` / `parse_int`). */

const TRUE_WORDS = new Set(['true', 'on', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'off', 'no', '0']);

/** `true/false`, `on/off`, `yes/no`, `1/0` (any case) and booleans; null for anything else. */
export function parseBoolish(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value !== 'string') return null;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}

/**
 * Python truthiness with string words understood: a boolish word gives its value; other non-empty strings,
 * non-zero numbers and non-empty objects are true (as `bool(x)` is in Patroni).
 */
export function truthy(value: unknown): boolean {
  const parsed = parseBoolish(value);
  if (parsed !== null) return parsed;
  if (value === null || value === undefined || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** An integer from a number or a decimal string (floats are truncated as Python's int(float) would); else null. */
export function parseIntLenient(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Math.trunc(Number.parseFloat(text));
  return null;
}
