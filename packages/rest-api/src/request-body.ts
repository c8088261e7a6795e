/** Request bodies as Patroni reads them (rest-api.md §1.2): by Content-Length, JSON objects only. */

export type BodyResult =
  | { readonly ok: true; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly status: 400 | 411 };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `contentLength` is the header value (undefined when absent), `raw` the received body (undefined when none).
 * Required bodies must be a non-empty JSON object; optional ones default to `{}`.
 */
export function readJsonBody(
  contentLength: string | undefined,
  raw: string | undefined,
  optional: boolean,
): BodyResult {
  if (contentLength === undefined) return optional ? { ok: true, value: {} } : { ok: false, status: 411 };
  const text = raw ?? '';
  if (text === '') return optional ? { ok: true, value: {} } : { ok: false, status: 400 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, status: 400 };
  }
  if (!isObject(parsed)) return { ok: false, status: 400 };
  if (!optional && Object.keys(parsed).length === 0) return { ok: false, status: 400 };
  return { ok: true, value: parsed };
}
