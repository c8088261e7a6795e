import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostgresQueryResult, Timeline, TimelineSwitch } from '@patroni/ha-core';
import type { PgContext } from './context.js';
import { errorMessage } from './errors.js';
import { identifySystem, parseTimelineHistory, withReplicationConnection } from './replication-connection.js';

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * A file time as Python's `datetime.fromtimestamp(t, tzlocal()).isoformat()` prints it (Patroni's
 * `promoted_at`): local time, microseconds unless zero, `+HH:MM` offset.
 */
export function localIsoTimestamp(epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const micros = Number((epochNs / 1000n) % 1_000_000n);
  const date = new Date(ms);
  const offsetMin = -date.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const fraction = micros === 0 ? '' : `.${pad(micros, 6)}`;
  return `${day}T${time}${fraction}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `00000002.history` for timeline 2 (postgres.md §4.4). */
export function historyFileName(timeline: Timeline): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

/**
 * The primary's timeline history from `<pg_wal>/<TL>.history`, oldest first; the newest line (parent =
 * timeline − 1) carries the file's mtime. A history file never changes once written, so the result is cached
 * per timeline. Null when it cannot be read (logged once per timeline).
 */
export async function readTimelineHistory(
  ctx: PgContext,
  timeline: Timeline,
): Promise<readonly TimelineSwitch[] | null> {
  if (ctx.timelineHistoryCache?.timeline === timeline) return ctx.timelineHistoryCache.entries;
  const path = join(ctx.dataDir, 'pg_wal', historyFileName(timeline));
  let entries: readonly TimelineSwitch[] | null = null;
  try {
    const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path, { bigint: true })]);
    const modifiedAt = localIsoTimestamp(info.mtimeNs);
    entries = parseTimelineHistory(content).map((entry) => ({
      parentTimeline: entry.parentTimeline,
      switchLsn: entry.switchpoint,
      reason: entry.reason ?? '',
      ...(entry.parentTimeline === timeline - 1 ? { fileModifiedAt: modifiedAt } : {}),
    }));
  } catch (error) {
    ctx.logger.error(`Failed to read and parse ${path}: ${errorMessage(error)}`);
  }
  ctx.timelineHistoryCache = { timeline, entries };
  return entries;
}

/**
 * A replica's timeline when its WAL receiver does not report one (postgres.md §4.2): IDENTIFY_SYSTEM over a
 * local replication connection. Cached while the postmaster and the replayed position stay the same (a
 * replica's timeline only changes by replaying a switch or by a restart), so an idle replica does not open a
 * replication connection every cycle. Null when the connection fails.
 */
export async function replicaTimeline(ctx: PgContext, query: PostgresQueryResult): Promise<Timeline | null> {
  const cache = ctx.replicaTimelineCache;
  if (cache?.startTime === query.postmasterStartTime && cache.replayedLsn === query.replayedLsn)
    return cache.timeline;
  let timeline: Timeline | null = null;
  try {
    const identity = await withReplicationConnection(ctx.localReplicationConnection(), identifySystem);
    timeline = Number.isInteger(identity.timeline) && identity.timeline > 0 ? identity.timeline : null;
  } catch (error) {
    ctx.logger.error(
      `Can not fetch local timeline and lsn from replication connection: ${errorMessage(error)}`,
    );
  }
  ctx.replicaTimelineCache = {
    startTime: query.postmasterStartTime,
    replayedLsn: query.replayedLsn,
    timeline,
  };
  return timeline;
}

/** The last replica timeline found for this postmaster, without connecting (the REST health probe). */
export function cachedReplicaTimeline(ctx: PgContext, query: PostgresQueryResult): Timeline | null {
  const cache = ctx.replicaTimelineCache;
  return cache?.startTime === query.postmasterStartTime ? cache.timeline : null;
}
