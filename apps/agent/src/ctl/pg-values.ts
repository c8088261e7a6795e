/**
 * Turns PostgreSQL's text output into the values psycopg2 would hand patronictl, so `query` prints cells
 * the way Python does (`True`, `None`, `1.0`, `2024-01-01 10:00:00.500000+00:00`).
 */

/** A Python float: printed `1.0`, not `1`. */
export class PyFloat {
  constructor(readonly value: number) {}

  /** Python's `repr(float)`. */
  toString(): string {
    if (Number.isNaN(this.value)) return 'nan';
    if (!Number.isFinite(this.value)) return this.value > 0 ? 'inf' : '-inf';
    if (Number.isInteger(this.value) && Math.abs(this.value) < 1e16) return `${this.value}.0`;
    const text = String(this.value);
    // JS writes 1e+21 / 1e-7 where Python writes 1e+21 / 1e-07.
    return text.replace(/e([+-])(\d)$/, 'e$10$2');
  }
}

/** Type OIDs from pg_type.dat that psycopg2 converts to something other than a string. */
const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  jsonb: 3802,
} as const;

const INT_OIDS: ReadonlySet<number> = new Set([OID.int8, OID.int2, OID.int4, OID.oid]);
/** Arrays of ints/text that psycopg2 turns into lists. */
const INT_ARRAY_OIDS: ReadonlySet<number> = new Set([1005, 1007, 1016, 1028]);
const TEXT_ARRAY_OIDS: ReadonlySet<number> = new Set([1009, 1015, 1003]);

/** `2024-01-01 10:00:00.5+02` → `2024-01-01 10:00:00.500000+02:00` (Python's `str(datetime)`). */
export function pythonDateTime(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?([+-]\d\d(?::?\d\d)?(?::\d\d)?)?$/.exec(
    text,
  );
  if (!match) return text;
  const [, date, time, fraction, zone] = match;
  const micro = fraction ? `.${fraction.padEnd(6, '0')}` : '';
  let offset = '';
  if (zone) {
    const [hours, minutes = '00', seconds] = zone.slice(1).split(':');
    offset = `${zone[0]}${hours}:${minutes}${seconds && seconds !== '00' ? `:${seconds}` : ''}`;
  }
  return `${date} ${time}${micro}${offset}`;
}

function intValue(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

function floatValue(text: string): PyFloat {
  if (text === 'NaN') return new PyFloat(Number.NaN);
  if (text === 'Infinity') return new PyFloat(Number.POSITIVE_INFINITY);
  if (text === '-Infinity') return new PyFloat(Number.NEGATIVE_INFINITY);
  return new PyFloat(Number(text));
}

/** `{1,2,NULL}` / `{a,"b c"}` (one dimension) → items; null for anything else. */
export function parseArray(text: string): (string | null)[] | null {
  if (!text.startsWith('{') || !text.endsWith('}') || text.startsWith('{{')) return null;
  const items: (string | null)[] = [];
  const body = text.slice(1, -1);
  if (body === '') return items;
  const pattern = /"((?:[^"\\]|\\.)*)"|([^,]*)/g;
  let position = 0;
  while (position <= body.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(body);
    if (!match) return null;
    if (match[1] !== undefined) items.push(match[1].replace(/\\(.)/g, '$1'));
    else items.push(match[2] === 'NULL' ? null : (match[2] ?? ''));
    position = pattern.lastIndex + 1;
  }
  return items;
}

/** One cell: text as PostgreSQL sent it (or null) → the value patronictl prints. */
export function pgCellValue(text: string | null, typeOid: number): unknown {
  if (text === null) return null;
  if (typeOid === OID.bool) return text === 't';
  if (INT_OIDS.has(typeOid)) return intValue(text);
  if (typeOid === OID.float4 || typeOid === OID.float8) return floatValue(text);
  if (typeOid === OID.json || typeOid === OID.jsonb) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (typeOid === OID.timestamp || typeOid === OID.timestamptz) return pythonDateTime(text);
  if (INT_ARRAY_OIDS.has(typeOid) || TEXT_ARRAY_OIDS.has(typeOid)) {
    const items = parseArray(text);
    if (items === null) return text;
    return INT_ARRAY_OIDS.has(typeOid) ? items.map((i) => (i === null ? null : intValue(i))) : items;
  }
  return text;
}
