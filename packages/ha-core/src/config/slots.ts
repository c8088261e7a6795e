/** Permanent and ignored slots from the dynamic config (config.md §3.1, ha-loop.md §13). */
import { isValidSlotName } from '../model/slot-name.js';
import type { PermanentSlot } from './types.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The first non-empty of `permanent_replication_slots`, `permanent_slots`, `slots`. */
export function rawPermanentSlots(raw: Readonly<Record<string, unknown>>): unknown {
  for (const key of ['permanent_replication_slots', 'permanent_slots', 'slots']) {
    const value = raw[key];
    if (isObject(value) && Object.keys(value).length > 0) return value;
  }
  return {};
}

function parseSlot(value: unknown): PermanentSlot | null {
  if (value === null || value === undefined || (isObject(value) && Object.keys(value).length === 0)) {
    return { type: 'physical' };
  }
  if (!isObject(value)) return null;
  const type =
    value.type ?? (nonEmptyString(value.database) && nonEmptyString(value.plugin) ? 'logical' : 'physical');
  if (type === 'physical') {
    const clusterType = value.cluster_type;
    return clusterType === 'primary' || clusterType === 'standby' ? { type, clusterType } : { type };
  }
  if (type === 'logical' && nonEmptyString(value.database) && nonEmptyString(value.plugin)) {
    return { type, database: value.database, plugin: value.plugin };
  }
  return null;
}

/** Valid permanent slots by name; invalid names and values are skipped with Patroni's error wording. */
export function parsePermanentSlots(
  raw: unknown,
  warnings: string[],
): Readonly<Record<string, PermanentSlot>> {
  const slots: Record<string, PermanentSlot> = {};
  if (!isObject(raw)) return slots;
  for (const [name, value] of Object.entries(raw)) {
    if (!isValidSlotName(name)) {
      warnings.push(
        `Invalid permanent replication slot name '${name}': slot name may only contain lower case letters, ` +
          'numbers, and the underscore chars',
      );
      continue;
    }
    const slot = parseSlot(value);
    if (slot) slots[name] = slot;
    else warnings.push(`Bad value for slot '${name}' in permanent_slots: ${JSON.stringify(value)}`);
  }
  return slots;
}

const MATCHER_KEYS = ['name', 'type', 'database', 'plugin'] as const;

/** `ignore_slots`: a list of matchers with any of name/type/database/plugin; other entries are dropped. */
export function parseIgnoreSlots(raw: unknown, warnings: string[]): Readonly<Record<string, string>>[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    warnings.push('ignore_slots must be a list; ignored');
    return [];
  }
  const matchers: Record<string, string>[] = [];
  for (const entry of raw) {
    if (!isObject(entry)) {
      warnings.push(`ignore_slots entry ${JSON.stringify(entry)} is not a mapping; ignored`);
      continue;
    }
    const matcher: Record<string, string> = {};
    for (const key of MATCHER_KEYS)
      if (entry[key] !== undefined && entry[key] !== null) matcher[key] = String(entry[key]);
    matchers.push(matcher);
  }
  return matchers;
}
