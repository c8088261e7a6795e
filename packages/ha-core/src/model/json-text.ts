/** Tolerant JSON helpers for values written by other nodes. */

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

export function tryParseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or null when absent / not a string (numbers are accepted as their text: names like `1`). */
export function stringField(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
