import type { MemberTags } from './types.js';
import { parseBoolish, parseIntLenient, truthy } from './value-parsing.js';

export const DEFAULT_TAGS: MemberTags = Object.freeze({
  nofailover: false,
  failoverPriority: 1,
  clonefrom: false,
  noloadbalance: false,
  replicatefrom: null,
  nosync: false,
  nostream: false,
  syncPriority: 1,
});

function asRecord(raw: unknown): Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw)
    ? (raw as Record<string, unknown>)
    : {};
}

/** The boolean tag wins when set; else a priority ≤ 0 means "no" (Patroni `_bool_tag`). */
function boolTag(tags: Record<string, unknown>, boolName: string, priorityName: string): boolean {
  const fromTag = tags[boolName];
  if (fromTag !== undefined && fromTag !== null) return truthy(fromTag);
  const priority = parseIntLenient(tags[priorityName]);
  return priority !== null && priority <= 0;
}

/** 0 when the boolean tag is set; else the priority tag, defaulting to 1 (Patroni `_priority_tag`). */
function priorityTag(tags: Record<string, unknown>, boolName: string, priorityName: string): number {
  if (truthy(tags[boolName])) return 0;
  return parseIntLenient(tags[priorityName]) ?? 1;
}

/** Reads tags as the HA logic uses them; accepts the string forms YAML and env produce (`'true'`, `'1'`). */
export function parseTags(raw: unknown): MemberTags {
  const tags = asRecord(raw);
  const replicatefrom = tags.replicatefrom;
  return Object.freeze({
    nofailover: boolTag(tags, 'nofailover', 'failover_priority'),
    failoverPriority: priorityTag(tags, 'nofailover', 'failover_priority'),
    clonefrom: truthy(tags.clonefrom),
    noloadbalance: truthy(tags.noloadbalance),
    replicatefrom: typeof replicatefrom === 'string' && replicatefrom !== '' ? replicatefrom : null,
    nosync: boolTag(tags, 'nosync', 'sync_priority'),
    nostream: parseBoolish(tags.nostream) ?? false,
    syncPriority: priorityTag(tags, 'nosync', 'sync_priority'),
  });
}

function pythonBool(value: boolean): string {
  return value ? 'True' : 'False';
}

function conflictWarning(
  tags: Record<string, unknown>,
  boolName: string,
  priorityName: string,
): string | null {
  const boolRaw = tags[boolName];
  const priorityRaw = tags[priorityName];
  if (boolRaw === undefined || boolRaw === null || priorityRaw === undefined || priorityRaw === null)
    return null;
  const flag = truthy(boolRaw);
  const priority = parseIntLenient(priorityRaw);
  if (priority === null) return null;
  if (flag === priority > 0) {
    return (
      `Conflicting configuration between ${boolName}: ${pythonBool(flag)} and ${priorityName}: ` +
      `${String(priorityRaw)}. Defaulting to ${boolName}: ${pythonBool(flag)}`
    );
  }
  return null;
}

/**
 * The WARNING lines Patroni logs for contradicting tags (compat-notes.md), e.g.
 * `Conflicting configuration between nofailover: True and failover_priority: 1. Defaulting to nofailover: True`.
 */
export function tagConflictWarnings(raw: unknown): string[] {
  const tags = asRecord(raw);
  const warnings: string[] = [];
  for (const [boolName, priorityName] of [
    ['nofailover', 'failover_priority'],
    ['nosync', 'sync_priority'],
  ] as const) {
    const warning = conflictWarning(tags, boolName, priorityName);
    if (warning !== null) warnings.push(warning);
  }
  return warnings;
}

/**
 * The tags a member publishes in its key (Patroni `_filter_tags`): boolean tags only when true, except
 * `nofailover` / `nosync` which are kept when their priority tag is present; custom tags verbatim.
 */
export function publishedTags(raw: unknown): Record<string, unknown> {
  const tags = asRecord(raw);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tags)) {
    const isBoolTag = ['clonefrom', 'nofailover', 'noloadbalance', 'nosync', 'nostream'].includes(name);
    const keep =
      !isBoolTag ||
      truthy(value) ||
      (name === 'nofailover' && 'failover_priority' in tags) ||
      (name === 'nosync' && 'sync_priority' in tags);
    if (keep) out[name] = value;
  }
  return out;
}
