/**
 * Parsers for the single-value keys of the cluster tree (dcs.md §3). Each is total: garbage becomes the
 * empty value of its type plus a problem description, never an exception.
 */
import { isJsonObject, stringField, tryParseJson } from './json-text.js';
import {
  asLsn,
  type ClusterConfig,
  type Failover,
  type HistoryLine,
  type KeyVersion,
  type MemberName,
  type Status,
  type SyncState,
  type TimelineHistory,
} from './types.js';
import { parseIntLenient } from './value-parsing.js';

export interface Parsed<T> {
  readonly value: T;
  readonly problem: string | null;
}

const ok = <T>(value: T): Parsed<T> => ({ value, problem: null });
const bad = <T>(value: T, problem: string): Parsed<T> => ({ value, problem });

/** `config`: only a JSON object is valid; otherwise `{}` with modifyVersion 0 (nodes keep their last config). */
export function parseConfigValue(
  value: string,
  version: KeyVersion | null,
  modifyVersion: KeyVersion | null,
): Parsed<ClusterConfig> {
  const parsed = tryParseJson(value);
  if (parsed.ok && isJsonObject(parsed.value)) {
    return ok({ version, data: parsed.value, modifyVersion: modifyVersion ?? 0 });
  }
  return bad({ version, data: {}, modifyVersion: 0 }, 'config is not a JSON object; ignored');
}

function parseScheduledAt(raw: unknown): { scheduledAt: string | null; scheduledAtMs: number | null } {
  const scheduledAt = typeof raw === 'string' && raw !== '' ? raw : null;
  return { scheduledAt, scheduledAtMs: scheduledAt === null ? null : Date.parse(scheduledAt) };
}

/** `failover`: JSON object; a non-JSON value is the legacy `leader:candidate` form; other JSON is empty. */
export function parseFailoverValue(value: string, version: KeyVersion | null): Parsed<Failover> {
  const empty: Failover = { version, leader: null, candidate: null, scheduledAt: null, scheduledAtMs: null };
  if (value === '') return ok(empty);
  const parsed = tryParseJson(value);
  if (!parsed.ok) {
    const [leader, candidate] = value.split(':').map((part) => part.trim());
    return ok({ ...empty, leader: leader || null, candidate: candidate || null });
  }
  if (!isJsonObject(parsed.value)) return bad(empty, 'failover is not a JSON object; treated as {}');
  const data = parsed.value;
  return ok({
    version,
    leader: stringField(data.leader) || null,
    candidate: stringField(data.member) || null,
    ...parseScheduledAt(data.scheduled_at),
  });
}

export function emptySyncState(version: KeyVersion | null = null): SyncState {
  return { version, leader: null, syncStandbys: [], quorum: 0 };
}

function splitStandbys(raw: unknown): MemberName[] {
  const text = stringField(raw);
  if (!text) return [];
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** `sync`: JSON object; `quorum` is honoured only when `leader` is non-empty. */
export function parseSyncValue(value: string, version: KeyVersion | null): Parsed<SyncState> {
  const parsed = tryParseJson(value);
  if (!parsed.ok || !isJsonObject(parsed.value)) {
    return value === ''
      ? ok(emptySyncState(version))
      : bad(emptySyncState(version), 'sync is not a JSON object');
  }
  const data = parsed.value;
  const leader = stringField(data.leader) || null;
  const quorum = leader ? (parseIntLenient(data.quorum) ?? 0) : 0;
  return ok({ version, leader, syncStandbys: splitStandbys(data.sync_standby), quorum });
}

function toHistoryLine(raw: unknown): HistoryLine | null {
  if (!Array.isArray(raw) || raw.length < 2) return null;
  const timeline = parseIntLenient(raw[0]);
  const lsn = parseIntLenient(raw[1]);
  if (timeline === null || lsn === null) return null;
  const reason = typeof raw[2] === 'string' ? raw[2] : String(raw[2] ?? '');
  const rest = raw.slice(3, 5).map((item) => (typeof item === 'string' ? item : String(item)));
  return [timeline, lsn, reason, ...rest] as unknown as HistoryLine;
}

/** `history`: JSON array of `[tli, lsn, reason, promoted_at?, new_leader?]`; garbage → no lines. */
export function parseHistoryValue(value: string, version: KeyVersion | null): Parsed<TimelineHistory> {
  const parsed = tryParseJson(value);
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return bad({ version, rawValue: value, lines: [] }, 'history is not a JSON array');
  }
  const lines = parsed.value.map(toHistoryLine);
  const valid = lines.filter((line): line is HistoryLine => line !== null);
  const history = { version, rawValue: value, lines: valid };
  return valid.length === lines.length ? ok(history) : bad(history, 'history has malformed entries; skipped');
}

export function emptyStatus(): Status {
  return { lastLsn: asLsn(0), slots: null, retainSlots: [] };
}

function jsonOrValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const parsed = tryParseJson(raw);
  return parsed.ok ? parsed.value : null;
}

function parseSlots(raw: unknown): Record<string, number> | null {
  const slots = jsonOrValue(raw);
  if (!isJsonObject(slots)) return null;
  const out: Record<string, number> = {};
  for (const [name, lsn] of Object.entries(slots)) out[name] = parseIntLenient(lsn) ?? 0;
  return out;
}

function parseRetainSlots(raw: unknown): string[] {
  const list = jsonOrValue(raw);
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/** `status`: an integer (legacy) or `{"optime":N,"slots":{..},"retain_slots":[..]}`; garbage → empty. */
export function parseStatusValue(value: string): Parsed<Status> {
  const parsed = tryParseJson(value);
  if (!parsed.ok) return bad(emptyStatus(), 'status is not JSON');
  const data = parsed.value;
  if (typeof data === 'number')
    return ok({ ...emptyStatus(), lastLsn: asLsn(Math.max(0, Math.trunc(data))) });
  if (!isJsonObject(data)) return bad(emptyStatus(), 'status is not a JSON object');
  const optime = parseIntLenient(data.optime);
  return ok({
    lastLsn: asLsn(optime !== null && optime > 0 ? optime : 0),
    slots: parseSlots(data.slots),
    retainSlots: parseRetainSlots(data.retain_slots),
  });
}

/** Legacy `optime/leader`: a decimal LSN. */
export function parseLegacyOptime(value: string): Parsed<Status> {
  const lsn = parseIntLenient(value);
  if (lsn === null) return bad(emptyStatus(), 'optime/leader is not a number');
  return ok({ ...emptyStatus(), lastLsn: asLsn(Math.max(0, lsn)) });
}

/** `failsafe`: JSON object name → api_url; anything else → null. */
export function parseFailsafeValue(value: string): Parsed<Record<MemberName, string> | null> {
  const parsed = tryParseJson(value);
  if (!parsed.ok || !isJsonObject(parsed.value)) return bad(null, 'failsafe is not a JSON object');
  const out: Record<MemberName, string> = {};
  for (const [name, url] of Object.entries(parsed.value)) if (typeof url === 'string') out[name] = url;
  return ok(out);
}
