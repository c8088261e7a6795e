/**
 * Validation of the management request bodies (rest-api.md §12-14) with Patroni's messages and codes.
 * Checks that need the cluster are left to `AgentCommands`; these use only the body, the pause flag and the time.
 */
import type { RestartRequest, SwitchoverRequest } from '@patroni/ha-core';
import { parseBoolish } from '@patroni/ha-core';
import { formatPythonDatetime, parseTimestamp } from './py-json.js';
import { parseIntWithUnit } from './units.js';

export interface Rejection {
  readonly ok: false;
  readonly status: number;
  readonly message: string;
}

export type Validated<T> = { readonly ok: true; readonly value: T } | Rejection;

const reject = (status: number, message: string): Rejection => ({ ok: false, status, message });

/** A schedule: timezone mandatory, not in the past; normalised to Python's `isoformat()`. */
export function parseSchedule(raw: unknown, action: string, nowMs: number): Validated<string> {
  const parsed = typeof raw === 'string' ? parseTimestamp(raw) : null;
  if (!parsed) {
    return reject(
      422,
      'Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601',
    );
  }
  if (parsed.offsetMinutes === null)
    return reject(400, `Timezone information is mandatory for the scheduled ${action}`);
  if (parsed.epochMs < nowMs) return reject(422, `Cannot schedule ${action} in the past`);
  return { ok: true, value: formatPythonDatetime(parsed, 'T') };
}

/** Patroni's `postgres_version_to_int` checks: `X.Y` (X ≥ 10) or `X.Y.Z`. */
export function checkPostgresVersion(raw: unknown): string | null {
  const text = String(raw);
  const parts = text.split('.');
  if (typeof raw !== 'string' || !parts.every((part) => /^\s*[+-]?\d+\s*$/.test(part))) {
    return `Invalid PostgreSQL version: ${text}`;
  }
  const numbers = parts.map(Number);
  if (numbers.length < 2 || numbers.length > 3 || (numbers.length === 2 && (numbers[0] ?? 0) < 10)) {
    return `Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: ${text}`;
  }
  return null;
}

const RESTART_ROLES = new Set(['primary', 'standby_leader', 'replica']);

/** `POST /restart`: keys validated in body order; the first failure answers. */
export function validateRestart(body: Readonly<Record<string, unknown>>, paused: boolean, nowMs: number) {
  if (paused && 'schedule' in body) return reject(500, "Can't schedule restart in the paused state");
  const request: { -readonly [K in keyof RestartRequest]: RestartRequest[K] } = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'schedule') {
      const schedule = parseSchedule(value, 'restart', nowMs);
      if (!schedule.ok) return schedule;
      request.schedule = schedule.value;
    } else if (key === 'role') {
      if (typeof value !== 'string' || !RESTART_ROLES.has(value)) {
        return reject(400, 'PostgreSQL role should be either primary, standby_leader, or replica');
      }
      request.role = value;
    } else if (key === 'postgres_version') {
      const problem = checkPostgresVersion(value);
      if (problem) return reject(400, problem);
      request.postgresVersion = String(value);
    } else if (key === 'timeout') {
      const seconds = parseIntWithUnit(value, 's');
      if (seconds === null || seconds <= 0)
        return reject(400, 'Timeout should be a positive number of seconds');
      request.timeoutSeconds = seconds;
    } else if (key === 'restart_pending') {
      // The presence of the key is the filter, whatever its value (Patroni quirk).
      request.restartPending = true;
    } else {
      return reject(400, `Unknown filter for the scheduled restart: ${key}`);
    }
  }
  return { ok: true as const, value: request as RestartRequest };
}

/** `POST /reinitialize` options; bool-ish values, anything else is false. */
export function reinitializeOptions(body: Readonly<Record<string, unknown>>): {
  force: boolean;
  fromLeader: boolean;
} {
  return { force: parseBoolish(body.force) === true, fromLeader: parseBoolish(body.from_leader) === true };
}

function nameOrUndefined(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === false) return undefined;
  return typeof value === 'string' ? value : String(value);
}

/**
 * `POST /switchover` and `POST /failover` steps 1-5 (rest-api.md §14.1); a failover naming a leader becomes a
 * switchover. Feasibility (412), the DCS write and the outcome are the agent's.
 */
export function validateSwitchover(
  body: Readonly<Record<string, unknown>>,
  action: 'switchover' | 'failover',
  paused: boolean,
  nowMs: number,
): Validated<SwitchoverRequest> {
  const leader = nameOrUndefined(body.leader);
  const candidate = nameOrUndefined(body.candidate) ?? nameOrUndefined(body.member);
  const rawSchedule = body.scheduled_at;
  if (action === 'failover' && !candidate)
    return reject(400, 'Failover could be performed only to a specific candidate');
  if (action === 'switchover' && !leader)
    return reject(400, 'Switchover could be performed only from a specific leader');
  let scheduledAt: string | undefined;
  if (rawSchedule) {
    if (action === 'failover') return reject(400, "Failover can't be scheduled");
    if (paused) return reject(400, "Can't schedule switchover in the paused state");
    const schedule = parseSchedule(rawSchedule, action, nowMs);
    if (!schedule.ok) return schedule;
    scheduledAt = schedule.value;
  }
  if (paused && !candidate)
    return reject(400, 'Switchover is possible only to a specific candidate in a paused state');
  const kind = action === 'failover' && leader ? 'switchover' : action;
  if (leader === candidate) return reject(400, 'Switchover target and source are the same');
  const request: SwitchoverRequest = {
    kind,
    ...(leader === undefined ? {} : { leader }),
    ...(candidate === undefined ? {} : { candidate }),
    ...(scheduledAt === undefined ? {} : { scheduledAt }),
  };
  return { ok: true, value: request };
}

/** `POST /failsafe` body: the primary's name and URLs, optional slot positions. */
export function validateFailsafeHeartbeat(body: Readonly<Record<string, unknown>>) {
  const { name, conn_url: connUrl, api_url: apiUrl, slots } = body;
  if (typeof name !== 'string' || name === '' || typeof connUrl !== 'string' || typeof apiUrl !== 'string') {
    return null;
  }
  if (slots !== undefined && slots !== null) {
    if (typeof slots !== 'object' || Array.isArray(slots)) return null;
    if (!Object.values(slots).every((lsn) => typeof lsn === 'number' && Number.isFinite(lsn))) return null;
  }
  return {
    name,
    conn_url: connUrl,
    api_url: apiUrl,
    ...(slots ? { slots: slots as Readonly<Record<string, number>> } : {}),
  };
}
