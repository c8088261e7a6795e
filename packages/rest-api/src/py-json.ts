/**
 * JSON as Python's `json.dumps(obj)` writes it (what Patroni's REST API sends): `", "` and `": "` separators,
 * every character outside printable ASCII escaped as `\uXXXX`, keys in insertion order.
 */

const NON_ASCII = /[^\x20-\x7e]/g;

function escapeNonAscii(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function pyString(text: string): string {
  // JSON.stringify already escapes `"`, `\` and control characters the way Python does; add the rest.
  const quoted = JSON.stringify(text);
  return quoted.replace(NON_ASCII, escapeNonAscii);
}

function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(value);
}

/** Serialises a JSON-compatible value; `undefined` object members are skipped, other non-JSON values become text. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return pyString(value);
    case 'number':
      return pyNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return pyString(String(value));
  }
  if (Array.isArray(value)) return `[${value.map((item) => pyJson(item)).join(', ')}]`;
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue;
    parts.push(`${pyString(key)}: ${pyJson(item)}`);
  }
  return `{${parts.join(', ')}}`;
}

export interface ParsedTimestamp {
  /** Epoch milliseconds (sub-millisecond digits dropped). */
  readonly epochMs: number;
  /** Fractional second in microseconds (0..999999), kept for exact formatting. */
  readonly micros: number;
  /** Offset from UTC in minutes, null when the text names no zone. */
  readonly offsetMinutes: number | null;
  readonly wallClock: {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
  };
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

function parseOffset(zone: string | undefined): number | null {
  if (zone === undefined) return null;
  if (/^(Z|z|UTC|GMT)$/.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}

/**
 * Parses ISO-8601 / PostgreSQL timestamp text (`2024-06-20 09:15:02.118271+00`, `2024-06-20T09:15:02Z`).
 * Null when the text is not such a timestamp or names an impossible date.
 */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const micros = Number((match[7] ?? '').padEnd(6, '0').slice(0, 6));
  const offsetMinutes = parseOffset(match[8]);
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utcMs);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    (offsetMinutes !== null && Math.abs(offsetMinutes) >= 24 * 60)
  ) {
    return null;
  }
  const epochMs = utcMs - (offsetMinutes ?? 0) * 60_000 + Math.floor(micros / 1000);
  return { epochMs, micros, offsetMinutes, wallClock: { year, month, day, hour, minute, second } };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Python `str(datetime)` / `isoformat()`: `YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM` (separator given). */
export function formatPythonDatetime(ts: ParsedTimestamp, separator: ' ' | 'T'): string {
  const w = ts.wallClock;
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  const time = `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${ts.micros ? `.${pad(ts.micros, 6)}` : ''}`;
  return `${date}${separator}${time}${ts.offsetMinutes === null ? '' : formatOffset(ts.offsetMinutes)}`;
}

/** Timestamp text from Postgres or the agent rendered as Patroni's status document does; unknown forms pass through. */
export function toPythonDatetimeText(text: string): string {
  const parsed = parseTimestamp(text);
  return parsed ? formatPythonDatetime(parsed, ' ') : text;
}

/** Epoch seconds as Python's `float` repr (`1718874902.118271`, whole numbers keep `.0`). */
export function epochSecondsText(text: string | null | undefined): string {
  if (!text) return '0';
  const parsed = parseTimestamp(text);
  if (!parsed) return '0';
  const wholeSeconds = Math.floor(parsed.epochMs / 1000);
  // Python divides whole microseconds by 10**6 (timedelta.total_seconds); same float, same repr.
  const seconds = (wholeSeconds * 1e6 + parsed.micros) / 1e6;
  return Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
}
