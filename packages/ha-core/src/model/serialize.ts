/**
 * Writers byte-compatible with Python Patroni: `json.dumps(value, separators=(',', ':'))` with its default
 * `ensure_ascii` (every character outside printable ASCII becomes `\uXXXX`, lower-case hex, astral characters
 * as surrogate pairs) and the key order Patroni builds its dicts in.
 *
 * Known difference: JavaScript objects list integer-like keys (`"1"`) first, so a map keyed by such names is
 * written in that order rather than insertion order. Readers never depend on key order.
 */
import type { LeaderStatus } from '../dcs/dcs.js';
import type { HistoryLine, MemberData, MemberName } from './types.js';

/** Python's compact `json.dumps` with `ensure_ascii=True`. */
export function pythonJsonDumps(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The order Patroni's touch_member builds member data in (3.x fields, then [4.x] fields where it puts them). */
const MEMBER_FIELD_ORDER = [
  'conn_url',
  'api_url',
  'state',
  'role',
  'version',
  'proxy_url',
  'checkpoint_after_promote',
  'tags',
  'pending_restart',
  'pending_restart_reason',
  'xlog_location',
  'replay_lsn',
  'receive_lsn',
  'replication_state',
  'timeline',
  'scheduled_restart',
  'pause',
] as const;

/** Member data in Patroni's field order; unknown fields follow in their own order; undefined fields dropped. */
export function serializeMemberData(data: MemberData): string {
  const ordered: Record<string, unknown> = {};
  for (const field of MEMBER_FIELD_ORDER) if (data[field] !== undefined) ordered[field] = data[field];
  for (const [field, value] of Object.entries(data)) {
    if (!(field in ordered) && value !== undefined) ordered[field] = value;
  }
  return pythonJsonDumps(ordered);
}

/** `{"leader":..,"member":..,"scheduled_at":..}` with only the non-empty fields; `{}` clears a request. */
export function serializeFailover(request: {
  readonly leader?: string | null;
  readonly member?: string | null;
  readonly scheduled_at?: string | null;
}): string {
  const out: Record<string, string> = {};
  if (request.leader) out.leader = request.leader;
  if (request.member) out.member = request.member;
  if (request.scheduled_at) out.scheduled_at = request.scheduled_at;
  return pythonJsonDumps(out);
}

/** Python's `sorted()` on strings: by code point (not UTF-16 unit, which differs for astral characters). */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/**
 * `{"leader":..,"quorum":N,"sync_standby":"a,b"|null}` ([4.x]); `quorum` null gives the 3.x form
 * `{"leader":..,"sync_standby":..}`. Standby names are sorted as Patroni sorts them.
 */
export function serializeSync(
  leader: MemberName | null,
  standbys: readonly MemberName[],
  quorum: number | null,
): string {
  const syncStandby = standbys.length > 0 ? [...standbys].sort(compareCodePoints).join(',') : null;
  const out: Record<string, unknown> = { leader };
  if (quorum !== null) out.quorum = quorum;
  out.sync_standby = syncStandby;
  return pythonJsonDumps(out);
}

/** `{"optime":N,"slots":{..},"retain_slots":[..]}`, empty `slots` / `retain_slots` omitted. */
export function serializeStatus(status: LeaderStatus): string {
  const out: Record<string, unknown> = { optime: status.lastLsn };
  if (status.slots && Object.keys(status.slots).length > 0) out.slots = status.slots;
  if (status.retainSlots && status.retainSlots.length > 0) out.retain_slots = status.retainSlots;
  return pythonJsonDumps(out);
}

export function serializeHistory(lines: readonly HistoryLine[]): string {
  return pythonJsonDumps(lines);
}

export function serializeFailsafe(failsafe: Readonly<Record<MemberName, string>>): string {
  return pythonJsonDumps(failsafe);
}
