import { asLsn, type Lsn } from './types.js';

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const TWO_POW_32 = 2 ** 32;

/** `16/B374D848` → byte offset; null when the text is not a PostgreSQL LSN. */
export function tryParseLsn(text: string): Lsn | null {
  const match = LSN_TEXT.exec(text.trim());
  if (!match) return null;
  const high = Number.parseInt(match[1] ?? '', 16);
  const low = Number.parseInt(match[2] ?? '', 16);
  return asLsn(high * TWO_POW_32 + low);
}

/** `16/B374D848` → byte offset. Throws RangeError on text that is not an LSN (use `tryParseLsn` for input). */
export function parseLsn(text: string): Lsn {
  const lsn = tryParseLsn(text);
  if (lsn === null) throw new RangeError(`not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return lsn;
}

/** Byte offset → `%X/%X` as PostgreSQL prints it (upper-case hex, no padding). */
export function formatLsn(lsn: Lsn | number): string {
  const value = Math.max(0, Math.trunc(lsn));
  const high = Math.floor(value / TWO_POW_32);
  const low = value % TWO_POW_32;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}
