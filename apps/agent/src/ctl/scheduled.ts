import { ctlError } from '../errors.js';

const two = (n: number) => String(Math.abs(n)).padStart(2, '0');

function offsetText(minutes: number): string {
  return `${minutes >= 0 ? '+' : '-'}${two(Math.trunc(minutes / 60))}:${two(minutes % 60)}`;
}

/** A moment with the UTC offset it is expressed in, printed like Python's `isoformat()`. */
export interface Scheduled {
  readonly epochMs: number;
  readonly offsetMinutes: number;
  readonly iso: string;
}

function isoAt(epochMs: number, offsetMinutes: number, fraction: string): string {
  const shifted = new Date(epochMs + offsetMinutes * 60_000);
  const date = `${shifted.getUTCFullYear()}-${two(shifted.getUTCMonth() + 1)}-${two(shifted.getUTCDate())}`;
  const time = `${two(shifted.getUTCHours())}:${two(shifted.getUTCMinutes())}:${two(shifted.getUTCSeconds())}`;
  return `${date}T${time}${fraction}${offsetText(offsetMinutes)}`;
}

/**
 * `--scheduled` (patronictl.md §2.6): ISO 8601 (`T` or space, optional seconds/fraction/zone; a missing zone
 * is the local one). `now` or empty → null.
 */
export function parseScheduled(text: string | undefined): Scheduled | null {
  if (text === undefined || text === '' || text === 'now') return null;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i.exec(
      text.trim(),
    );
  if (!match) {
    throw ctlError(
      `Unable to parse scheduled timestamp (${text}). It should be in an unambiguous format (e.g. ISO 8601)`,
    );
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = match;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  let offsetMinutes: number;
  let epochMs: number;
  if (zone === undefined) {
    const local = new Date(...fields);
    offsetMinutes = -local.getTimezoneOffset();
    epochMs = local.getTime();
  } else {
    const z = zone.toUpperCase() === 'Z' ? '+00:00' : zone;
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const hours = Number(digits.length <= 2 ? digits : digits.slice(0, -2));
    const minutes = digits.length <= 2 ? 0 : Number(digits.slice(-2));
    offsetMinutes = sign * (hours * 60 + minutes);
    epochMs = Date.UTC(...fields) - offsetMinutes * 60_000;
  }
  if (Number.isNaN(epochMs))
    throw ctlError(
      `Unable to parse scheduled timestamp (${text}). It should be in an unambiguous format (e.g. ISO 8601)`,
    );
  const fraction = frac === '' || /^\.0+$/.test(frac) ? '' : frac.padEnd(7, '0');
  return { epochMs, offsetMinutes, iso: isoAt(epochMs, offsetMinutes, fraction) };
}

/** Python's `str(datetime)`: the ISO text with a space instead of `T`. */
export function scheduledText(scheduled: Scheduled): string {
  return scheduled.iso.replace('T', ' ');
}

/** `<now+1h as YYYY-MM-DDTHH:MM>` in local time, the example in the schedule prompts. */
export function inAnHour(now: Date): string {
  const t = new Date(now.getTime() + 3_600_000);
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())}T${two(t.getHours())}:${two(t.getMinutes())}`;
}
