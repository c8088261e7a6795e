import { parseTags } from '../model/tags.js';
import type { MemberName } from '../model/types.js';

/** A peer's `GET /patroni` distilled for the race (ha-loop.md §14.1). */
export interface PeerStatus {
  readonly name: MemberName;
  /** Answered with a JSON object that has an `xlog` (or `wal`) object. */
  readonly reachable: boolean;
  /** Why it cannot be promoted: `not reachable`, `not allowed to promote`, `not watchdog capable`; null: usable. */
  readonly limitation: string | null;
  readonly inRecovery: boolean;
  /** In recovery: max(received, replayed); a primary reports 0. */
  readonly walPosition: number;
  readonly timeline: number | null;
  readonly failoverPriority: number;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function asNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function unreachable(name: MemberName): PeerStatus {
  return {
    name,
    reachable: false,
    limitation: 'not reachable',
    inRecovery: true,
    walPosition: 0,
    timeline: null,
    failoverPriority: 0,
  };
}

/** Parses a `/patroni` body from a TS or Python node; null or junk means "not reachable". */
export function parsePeerStatus(name: MemberName, body: unknown): PeerStatus {
  const json = asObject(body);
  const xlog = json ? (asObject(json.xlog) ?? asObject(json.wal)) : null;
  if (!json || !xlog) return unreachable(name);
  const role = json.role;
  const inRecovery = !(Boolean(xlog.location) || role === 'master' || role === 'primary');
  const walPosition = inRecovery
    ? Math.max(asNumber(xlog.received_location), asNumber(xlog.replayed_location))
    : 0;
  const tags = parseTags(json.tags);
  let limitation: string | null = null;
  if (tags.nofailover) limitation = 'not allowed to promote';
  else if (json.watchdog_failed === true) limitation = 'not watchdog capable';
  return {
    name,
    reachable: true,
    limitation,
    inRecovery,
    walPosition,
    timeline: typeof json.timeline === 'number' ? json.timeline : null,
    failoverPriority: tags.failoverPriority,
  };
}
