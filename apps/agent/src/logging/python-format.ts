/**
 * Python `logging` formatting: `%(field)s`-style templates and `time.strftime` dates, so `log.format` and
 * `log.dateformat` written for Patroni produce the same lines here.
 */

/** The record fields a format may reference (a subset of Python's LogRecord that makes sense here). */
export interface LogRecordFields {
  readonly asctime: string;
  readonly levelname: string;
  readonly levelno: number;
  readonly message: string;
  readonly name: string;
  readonly module: string;
  readonly funcName: string;
  readonly filename: string;
  readonly pathname: string;
  readonly lineno: number;
  readonly process: number;
  readonly processName: string;
  readonly thread: number;
  readonly threadName: string;
  readonly created: number;
  readonly msecs: number;
  readonly relativeCreated: number;
}

const FIELD = /%\((\w+)\)([-#0 +]*)(\d+)?(?:\.(\d+))?([sdifrx])|%%/g;

function pad(text: string, flags: string, width: string | undefined): string {
  const size = width === undefined ? 0 : Number(width);
  if (text.length >= size) return text;
  if (flags.includes('-')) return text.padEnd(size);
  return text.padStart(size, flags.includes('0') ? '0' : ' ');
}

/** `%(levelname)-8s %(message)s` with `fields`; unknown fields are left as written. */
export function formatPercent(template: string, fields: Readonly<Record<string, unknown>>): string {
  return template.replace(
    FIELD,
    (match, name: string | undefined, flags = '', width?: string, precision?: string, conv?: string) => {
      if (match === '%%') return '%';
      if (name === undefined || !(name in fields)) return match;
      const value = fields[name];
      let text: string;
      if (conv === 'd' || conv === 'i') text = String(Math.trunc(Number(value)));
      else if (conv === 'f') text = Number(value).toFixed(precision === undefined ? 6 : Number(precision));
      else if (conv === 'x') text = Math.trunc(Number(value)).toString(16);
      else {
        text = typeof value === 'string' ? value : String(value);
        if (precision !== undefined) text = text.slice(0, Number(precision));
      }
      return pad(text, flags, width);
    },
  );
}

/** Field names referenced by a `%(name)s` template, in order (json format from a string). */
export function templateFields(template: string): string[] {
  return [...template.matchAll(/%\((\w+)\)/g)].map((m) => m[1] as string);
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const two = (n: number) => String(n).padStart(2, '0');

function offset(date: Date, colon: boolean): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}${colon ? ':' : ''}${two(abs % 60)}`;
}

function dayOfYear(date: Date): number {
  const start = new Date(date.getFullYear(), 0, 1);
  return Math.floor((date.getTime() - start.getTime()) / 86_400_000) + 1;
}

function directive(date: Date, letter: string): string {
  switch (letter) {
    case 'Y':
      return String(date.getFullYear());
    case 'y':
      return two(date.getFullYear() % 100);
    case 'm':
      return two(date.getMonth() + 1);
    case 'd':
      return two(date.getDate());
    case 'e':
      return String(date.getDate()).padStart(2, ' ');
    case 'H':
      return two(date.getHours());
    case 'I':
      return two(date.getHours() % 12 || 12);
    case 'M':
      return two(date.getMinutes());
    case 'S':
      return two(date.getSeconds());
    case 'f':
      return String(date.getMilliseconds() * 1000).padStart(6, '0');
    case 'p':
      return date.getHours() < 12 ? 'AM' : 'PM';
    case 'a':
      return (DAYS[date.getDay()] as string).slice(0, 3);
    case 'A':
      return DAYS[date.getDay()] as string;
    case 'b':
    case 'h':
      return (MONTHS[date.getMonth()] as string).slice(0, 3);
    case 'B':
      return MONTHS[date.getMonth()] as string;
    case 'j':
      return String(dayOfYear(date)).padStart(3, '0');
    case 'z':
      return offset(date, false);
    case 'Z':
      return (
        Intl.DateTimeFormat('en', { timeZoneName: 'short' })
          .formatToParts(date)
          .find((p) => p.type === 'timeZoneName')?.value ?? ''
      );
    case 'F':
      return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
    case 'T':
      return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
    case 's':
      return String(Math.floor(date.getTime() / 1000));
    case '%':
      return '%';
    default:
      return `%${letter}`;
  }
}

/** `time.strftime` in local time for the directives operators use. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%([a-zA-Z%])/g, (_m, letter: string) => directive(date, letter));
}

/** Python logging's `asctime`: `YYYY-MM-DD HH:MM:SS,mmm` by default; with a datefmt, strftime only. */
export function asctime(date: Date, dateFormat: string | null): string {
  if (dateFormat !== null) return strftime(date, dateFormat);
  return `${strftime(date, '%Y-%m-%d %H:%M:%S')},${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** Python `msg % args` for the `%s`/`%d`/`%r` placeholders Patroni messages use. */
export function interpolate(message: string, args: readonly unknown[]): string {
  if (args.length === 0 || !message.includes('%')) return message;
  let index = 0;
  return message.replace(/%(\d*)([sdrif%])/g, (match, width: string, conv: string) => {
    if (conv === '%') return '%';
    if (index >= args.length) return match;
    const value = args[index++];
    const text =
      conv === 'd' || conv === 'i'
        ? String(Math.trunc(Number(value)))
        : conv === 'r'
          ? JSON.stringify(value)
          : String(value);
    return width === '' ? text : text.padStart(Number(width));
  });
}
