/**
 * Patroni's `parse_int(value, base_unit)` for the two bases the REST API needs: bytes (`?lag=1MB`) and seconds
 * (restart `timeout`). Leading integer in C `strtol` base-0 form (hex `0x`, octal `0`, decimal) or a decimal
 * fraction/exponent, then an optional unit; rounded half-to-even like Python's `round`.
 * (ha-core may grow a shared `parseIntWithUnit`; this stays local until then.)
 */

type BaseUnit = 'B' | 's';

const MEMORY_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['TB', 1024 ** 4],
  ['GB', 1024 ** 3],
  ['MB', 1024 ** 2],
  ['kB', 1024],
  ['B', 1],
];
const TIME_UNITS_MS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
  ['ms', 1],
  ['us', 0.001],
];

const HEX = /^[-+]?0x[0-9a-fA-F]+/;
const OCT = /^[-+]?0[0-7]*/;
const DEC = /^[-+]?(0|[1-9][0-9]*)/;
const DBL = /^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?/;

function parseSignedInt(text: string, base: number): number {
  const negative = text.startsWith('-');
  const digits = text.replace(/^[-+]/, '').replace(/^0x/, '');
  const value = digits === '' ? 0 : Number.parseInt(digits, base);
  return negative ? -value : value;
}

function strtol(text: string): { value: number | null; rest: string } {
  for (const [regex, base] of [
    [HEX, 16],
    [OCT, 8],
    [DEC, 10],
  ] as const) {
    const match = regex.exec(text);
    if (match) return { value: parseSignedInt(match[0], base), rest: text.slice(match[0].length) };
  }
  return { value: null, rest: text };
}

function strtod(text: string): { value: number | null; rest: string } {
  const match = DBL.exec(text);
  if (!match) return { value: null, rest: text };
  return { value: Number.parseFloat(match[0]), rest: text.slice(match[0].length) };
}

/** Python's `round()`: half to even. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Value in `unit` converted to the base unit, rounded to the next smaller unit as Patroni does; null for unknown units. */
function convertToBase(value: number, unit: string, base: BaseUnit): number | null {
  const table = base === 'B' ? MEMORY_UNITS : TIME_UNITS_MS;
  const baseFactor = base === 'B' ? 1 : 1000;
  const index = table.findIndex(([name]) => name === unit);
  const entry = table[index];
  if (!entry) return null;
  let converted = (value * entry[1]) / baseFactor;
  const smaller = table[index + 1];
  if (smaller) {
    const multiplier = smaller[1] / baseFactor;
    converted = roundHalfEven(converted / multiplier) * multiplier;
  }
  return converted;
}

/** `'1MB'` → 1048576 (base `B`); `'1000 ms'` → 1 (base `s`); null when it does not parse. */
export function parseIntWithUnit(raw: unknown, base: BaseUnit): number | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  if (typeof raw === 'number' && !Number.isFinite(raw)) return null;
  const text = String(raw).trim();
  let { value, rest } = strtol(text);
  if ((value === null && rest.startsWith('.')) || (rest !== '' && ['.', 'e', 'E'].includes(rest[0] ?? ''))) {
    ({ value, rest } = strtod(text));
  }
  if (value === null) return null;
  const unit = rest.trim();
  if (unit === '') return roundHalfEven(value);
  const converted = convertToBase(value, unit, base);
  return converted === null ? null : roundHalfEven(converted);
}
