import { truthy } from '@patroni/ha-core';
import type { OptionList } from './config.js';
import { unquote } from './shell-split.js';

export type OptionsResult =
  | { readonly ok: true; readonly args: string[] }
  | { readonly ok: false; readonly error: string };

/**
 * `bootstrap.initdb` / `postgresql.basebackup` items → long options (postgres.md §5.1, §6.2): strings →
 * `--item`, single-key maps → `--key=value` (quotes removed), a map → `--key=value` for truthy values.
 * Forbidden names fail (`strict`) or are skipped with a warning.
 */
export function renderLongOptions(
  options: OptionList | null,
  forbidden: ReadonlySet<string>,
  strict: boolean,
  warn: (message: string) => void,
): OptionsResult {
  const args: string[] = [];
  const refuse = (name: string): OptionsResult | null => {
    if (!forbidden.has(name)) return null;
    const error = `${name} option is not allowed`;
    if (strict) return { ok: false, error };
    warn(error);
    return null;
  };
  if (options === null) return { ok: true, args };
  if (!Array.isArray(options)) {
    for (const [key, value] of Object.entries(options)) {
      if (forbidden.has(key)) {
        const refused = refuse(key);
        if (refused) return refused;
        continue;
      }
      if (truthy(value)) args.push(`--${key}=${String(value)}`);
    }
    return { ok: true, args };
  }
  for (const item of options) {
    if (typeof item === 'string') {
      if (forbidden.has(item)) {
        const refused = refuse(item);
        if (refused) return refused;
        continue;
      }
      args.push(`--${item}`);
      continue;
    }
    const entries = Object.entries(item);
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined)
      return { ok: false, error: `option ${JSON.stringify(item)} must be a single-key map` };
    const [key, value] = entry;
    if (typeof value !== 'string' && typeof value !== 'number')
      return { ok: false, error: `value of option ${key} must be a string` };
    if (forbidden.has(key)) {
      const refused = refuse(key);
      if (refused) return refused;
      continue;
    }
    args.push(`--${key}=${unquote(String(value))}`);
  }
  return { ok: true, args };
}

export const INITDB_FORBIDDEN = new Set(['pgdata', 'nosync', 'pwfile', 'sync-only', 'version']);
export const BASEBACKUP_FORBIDDEN = new Set([
  'pgdata',
  'format',
  'wal-method',
  'xlog-method',
  'gzip',
  'version',
  'compress',
  'dbname',
  'host',
  'port',
  'username',
  'password',
]);

/** [4.x] `compress` is allowed for basebackup on PG ≥ 15 with server-side values only. */
export function basebackupArgs(
  options: OptionList | null,
  version: number,
  warn: (m: string) => void,
): OptionsResult {
  const forbidden = new Set(BASEBACKUP_FORBIDDEN);
  if (version >= 150000) forbidden.delete('compress');
  const result = renderLongOptions(options, forbidden, false, warn);
  if (!result.ok) return result;
  const args = result.args.filter((arg) => {
    if (!arg.startsWith('--compress')) return true;
    if (arg.startsWith('--compress=server')) return true;
    warn(`compress option for basebackup must use server-side compression (${arg} dropped)`);
    return false;
  });
  return { ok: true, args };
}

/** `--key=value` for each option of a custom method (booleans as Python prints them). */
export function keyValueArgs(
  options: Readonly<Record<string, unknown>>,
  skip: ReadonlySet<string>,
): string[] {
  return Object.entries(options)
    .filter(([key]) => !skip.has(key))
    .map(
      ([key, value]) => `--${key}=${typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)}`,
    );
}
