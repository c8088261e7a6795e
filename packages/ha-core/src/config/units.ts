/**
 * Integers with units, as PostgreSQL and Patroni read them (config.md §2; Patroni `parse_int`): a leading
 * integer (decimal, `0x` hex, leading-`0` octal, optional sign) or a decimal fraction/exponent, then an
 * optional unit. Memory units `B kB MB GB TB` (×1024), time units `us ms s min h d`; case-sensitive.
 */

const MEMORY_BYTES: Readonly<Record<string, number>> = {
  TB: 1024 ** 4,
  GB: 1024 ** 3,
  MB: 1024 ** 2,
  kB: 1024,
  B: 1,
};
const TIME_US: Readonly<Record<string, number>> = {
  d: 86_400_000_000,
  h: 3_600_000_000,
  min: 60_000_000,
  s: 1_000_000,
  ms: 1_000,
  us: 1,
};
/** Base units a value can be converted to; each maps to its table. */
const BASE_UNIT_TABLES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  B: MEMORY_BYTES,
  kB: MEMORY_BYTES,
  MB: MEMORY_BYTES,
  ms: TIME_US,
  s: TIME_US,
  min: TIME_US,
};

/** Python's round(): half to even. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

const HEX = /^[+-]?0[xX][0-9a-fA-F]+/;
const OCT = /^[+-]?0[0-7]*/;
const DEC = /^[+-]?[0-9]+/;
const DBL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;

/** C `strtol(value, base 0)`: the leading integer and the rest, or null when there is none. */
function strtol(text: string): { value: number; rest: string } | null {
  for (const [regex, radix] of [
    [HEX, 16],
    [OCT, 8],
    [DEC, 10],
  ] as const) {
    const match = regex.exec(text);
    if (match) {
      const digits = match[0].replace(/^([+-]?)0[xX]/, '$1');
      return { value: Number.parseInt(digits, radix), rest: text.slice(match[0].length) };
    }
  }
  return null;
}

function leadingNumber(text: string): { value: number; rest: string } | null {
  const integer = strtol(text);
  if (integer && !/^[.eE]/.test(integer.rest)) return integer;
  if (!integer && !text.startsWith('.')) return null;
  const match = DBL.exec(text);
  return match ? { value: Number.parseFloat(match[0]), rest: text.slice(match[0].length) } : null;
}

/** `16MB` as a base unit: the multiplier (16) and the unit (`MB`). */
function splitBaseUnit(baseUnit: string): { multiplier: number; unit: string } {
  const parsed = strtol(baseUnit.trim());
  return parsed ? { multiplier: parsed.value, unit: parsed.rest } : { multiplier: 1, unit: baseUnit.trim() };
}

function convertToBaseUnit(value: number, unit: string, baseUnit: string): number | null {
  const base = splitBaseUnit(baseUnit);
  const table = BASE_UNIT_TABLES[base.unit];
  const unitSize = table?.[unit];
  const baseSize = table?.[base.unit];
  if (!table || unitSize === undefined || baseSize === undefined || base.multiplier === 0) return null;
  let converted = (value * unitSize) / baseSize / base.multiplier;
  // Like PostgreSQL, round to the next smaller unit first (1.5GB in MB is exact, 0.5us is not).
  const units = Object.keys(table);
  const smaller = units[units.indexOf(unit) + 1];
  if (smaller !== undefined) {
    const step = (table[smaller] ?? 1) / baseSize;
    converted = roundHalfEven(converted / step) * step;
  }
  return converted;
}

/**
 * `parseIntWithUnit('1MB', 'kB')` → 1024; `parseIntWithUnit('1000 ms', 's')` → 1; `parseIntWithUnit(' 0x400 MB ',
 * '16384kB')` → 64. Without a unit the number itself (rounded). A unit with no `baseUnit`, an unknown unit, or
 * text that is not a number → null.
 */
export function parseIntWithUnit(value: unknown, baseUnit: string | null = null): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? roundHalfEven(value) : null;
  if (typeof value !== 'string') return null;
  const number = leadingNumber(value.trim());
  if (!number || !Number.isFinite(number.value)) return null;
  const unit = number.rest.trim();
  if (unit === '') return roundHalfEven(number.value);
  if (baseUnit === null) return null;
  const converted = convertToBaseUnit(number.value, unit, baseUnit);
  return converted === null || !Number.isFinite(converted) ? null : roundHalfEven(converted);
}

/** Python `int(value)`: integers, floats (truncated), booleans, decimal strings with blanks around; else null. */
export function pythonInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) {
    return Number.parseInt(value.replace(/_/g, ''), 10);
  }
  return null;
}
