import {
  asLsn,
  type PostgresObservation,
  type PostgresQueryResult,
  type ReplicationConnection,
  type ServerSlot,
} from '@patroni/ha-core';
import { hasRecoverySignal } from './config-files.js';
import type { PgContext } from './context.js';
import { observedControlData } from './controldata.js';
import { inspectDataDirectory } from './data-dir.js';
import { RECOVERY_PARAMETERS } from './parameters.js';
import { checkPostmaster } from './postmaster.js';
import type { ExistingSlot, ObservedSlots } from './slots.js';
import { cachedReplicaTimeline, readTimelineHistory, replicaTimeline } from './timeline.js';

const lsnBytes = (expr: string) => `pg_catalog.pg_wal_lsn_diff(${expr}, '0/0')::bigint`;

/**
 * The per-cycle status query (postgres.md §4.1), PG ≥ 13 spelling, all in one round trip and one JSON
 * column: the client then decodes one field, not twenty (bigints arrive as JSON numbers).
 */
export const STATUS_QUERY = `SELECT pg_catalog.row_to_json(status) AS status FROM (
SELECT pg_catalog.current_setting('server_version_num')::int AS server_version,
  pg_catalog.pg_postmaster_start_time()::text AS postmaster_start_time,
  pg_catalog.pg_is_in_recovery() AS in_recovery,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN 0
    ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int
  END AS timeline,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN 0 ELSE ${lsnBytes('pg_catalog.pg_current_wal_flush_lsn()')} END AS wal_position,
  ${lsnBytes("COALESCE(pg_catalog.pg_last_wal_replay_lsn(), '0/0')")} AS replayed,
  GREATEST(${lsnBytes("COALESCE(pg_catalog.pg_last_wal_receive_lsn(), '0/0')")},
    ${lsnBytes("COALESCE(r.written_lsn, '0/0')")}) AS received,
  pg_catalog.pg_last_xact_replay_timestamp()::text AS replayed_timestamp,
  pg_catalog.pg_is_in_recovery() AND pg_catalog.pg_is_wal_replay_paused() AS replay_paused,
  CASE WHEN r.latest_end_lsn IS NOT NULL THEN r.received_tli END AS received_tli,
  ${lsnBytes('r.latest_end_lsn')} AS latest_end_lsn,
  ${lsnBytes('r.written_lsn')} AS written_lsn,
  r.status AS receiver_state,
  pg_catalog.current_setting('restore_command') AS restore_command,
  pg_catalog.current_setting('synchronous_standby_names') AS synchronous_standby_names,
  pg_catalog.current_setting('synchronous_commit') AS synchronous_commit,
  (SELECT pg_catalog.json_agg(s) FROM (SELECT pid, usename, application_name, client_addr::text AS client_addr,
      state, sync_state, sync_priority, ${lsnBytes('write_lsn')} AS write_lsn, ${lsnBytes('flush_lsn')} AS flush_lsn,
      ${lsnBytes('replay_lsn')} AS replay_lsn
    FROM pg_catalog.pg_stat_replication WHERE state = 'streaming') s) AS replication,
  (SELECT pg_catalog.json_agg(s) FROM (SELECT slot_name, slot_type, database, plugin, active,
      ${lsnBytes('restart_lsn')} AS restart_lsn, ${lsnBytes('confirmed_flush_lsn')} AS confirmed_flush_lsn,
      xmin::text AS xmin, catalog_xmin::text AS catalog_xmin, wal_status
    FROM pg_catalog.pg_replication_slots WHERE NOT temporary) s) AS slots,
  (SELECT pg_catalog.json_agg(s) FROM (SELECT name, pg_catalog.current_setting(name) AS setting, NULL AS unit FROM pg_catalog.pg_settings
    WHERE pending_restart) s) AS pending_restart
FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_wal_receiver r ON true) AS status`;

interface StatusRow {
  server_version: number;
  postmaster_start_time: string;
  in_recovery: boolean;
  timeline: number;
  wal_position: number;
  replayed: number;
  received: number;
  replayed_timestamp: string | null;
  replay_paused: boolean;
  received_tli: number | null;
  latest_end_lsn: number | null;
  written_lsn: number | null;
  receiver_state: string | null;
  restore_command: string;
  synchronous_standby_names: string;
  synchronous_commit: string;
  replication: Record<string, string | number | null>[] | null;
  slots: Record<string, string | number | boolean | null>[] | null;
  pending_restart: { name: string; setting: string; unit: string | null }[] | null;
}

const lsnOf = (value: unknown) => asLsn(Number(value ?? 0));
const lsnOrNull = (value: unknown) => (value === null || value === undefined ? null : asLsn(Number(value)));

function toReplication(row: Record<string, string | number | null>): ReplicationConnection {
  return {
    pid: Number(row.pid),
    usename: row.usename === null ? null : String(row.usename),
    applicationName: String(row.application_name ?? ''),
    clientAddr: row.client_addr === null ? null : String(row.client_addr),
    state: String(row.state),
    syncState: String(row.sync_state),
    syncPriority: Number(row.sync_priority),
    writeLsn: lsnOf(row.write_lsn),
    flushLsn: lsnOf(row.flush_lsn),
    replayLsn: lsnOf(row.replay_lsn),
  };
}

function toSlot(row: Record<string, string | number | boolean | null>): ServerSlot {
  return {
    name: String(row.slot_name),
    type: row.slot_type === 'logical' ? 'logical' : 'physical',
    database: row.database === null ? null : String(row.database),
    plugin: row.plugin === null ? null : String(row.plugin),
    restartLsn: lsnOrNull(row.restart_lsn),
    confirmedFlushLsn: lsnOrNull(row.confirmed_flush_lsn),
    catalogXmin: row.catalog_xmin === null ? null : Number(row.catalog_xmin),
  };
}

export function toQueryResult(row: StatusRow): PostgresQueryResult {
  return {
    serverVersion: Number(row.server_version),
    postmasterStartTime: row.postmaster_start_time,
    inRecovery: row.in_recovery,
    timeline: row.in_recovery ? (row.received_tli ?? null) : Number(row.timeline),
    walPosition: lsnOf(row.wal_position),
    replayedLsn: lsnOf(row.replayed),
    receivedLsn: lsnOf(row.received),
    latestEndLsn: lsnOrNull(row.latest_end_lsn),
    writtenLsn: lsnOrNull(row.written_lsn),
    replayedTimestamp: row.replayed_timestamp,
    replayPaused: row.replay_paused,
    receiverState: row.receiver_state,
    restoreCommand: row.restore_command === '' ? null : row.restore_command,
    replication: (row.replication ?? []).map(toReplication),
    synchronousStandbyNames: row.synchronous_standby_names,
    synchronousCommit: row.synchronous_commit,
    slots: (row.slots ?? []).map(toSlot),
  };
}

const textOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));

/** The status query's slots and facts in the shape slots.ts reads them (its own query otherwise). */
function observedSlotsOf(ctx: PgContext, row: StatusRow): ObservedSlots {
  const existing: ExistingSlot[] = (row.slots ?? []).map((slot) => ({
    slot_name: String(slot.slot_name),
    slot_type: slot.slot_type === 'logical' ? 'logical' : 'physical',
    database: textOrNull(slot.database),
    plugin: textOrNull(slot.plugin),
    active: slot.active === true,
    restart_lsn: textOrNull(slot.restart_lsn),
    confirmed_flush_lsn: textOrNull(slot.confirmed_flush_lsn),
    xmin: textOrNull(slot.xmin),
    catalog_xmin: textOrNull(slot.catalog_xmin),
    wal_status: textOrNull(slot.wal_status),
  }));
  const facts = {
    recovery: row.in_recovery,
    version: Number(row.server_version),
    replayed: row.in_recovery ? String(row.replayed) : null,
  };
  return { existing, facts, role: ctx.role, state: ctx.state };
}

/** pending_restart rows → reasons, keeping the old/new values recorded when the change was applied. */
function pendingReasons(ctx: PgContext, rows: StatusRow['pending_restart']) {
  const reasons: Record<string, { old_value: string; new_value: string }> = {};
  for (const row of rows ?? []) {
    if (RECOVERY_PARAMETERS.has(row.name) || row.name === 'hot_standby') continue;
    reasons[row.name] = ctx.pendingRestartReason[row.name] ?? {
      old_value: `${row.setting}${row.unit ?? ''}`,
      new_value: '?',
    };
  }
  for (const [name, reason] of Object.entries(ctx.pendingRestartReason)) reasons[name] ??= reason;
  return reasons;
}

async function statusRow(ctx: PgContext, attempts: number): Promise<StatusRow | null> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const row = await ctx.queryJson<StatusRow>(STATUS_QUERY).catch(() => undefined);
    if (row !== undefined) return row;
  }
  return null;
}

/**
 * The status query alone (the REST API's health probe, about every second): no pg_controldata, no data
 * directory inspection, no new connections; a replica without WAL receiver gets the timeline the last
 * observe() found. Null when the server does not answer.
 */
export async function probe(ctx: PgContext): Promise<PostgresQueryResult | null> {
  if (checkPostmaster(ctx.dataDir).kind !== 'running') return null;
  const row = await statusRow(ctx, 1);
  if (!row) return null;
  const query = toQueryResult(row);
  if (!query.inRecovery || query.timeline !== null) return query;
  return { ...query, timeline: cachedReplicaTimeline(ctx, query) };
}

/** The replica timeline from IDENTIFY_SYSTEM when the WAL receiver has none (postgres.md §4.2). */
async function withReplicaTimeline(ctx: PgContext, query: PostgresQueryResult): Promise<PostgresQueryResult> {
  if (!query.inRecovery || query.timeline !== null) return query;
  return { ...query, timeline: await replicaTimeline(ctx, query) };
}

/** The primary's `<TL>.history` lines for `/history` (postgres.md §4.4); absent on timeline 1 or replicas. */
async function primaryHistory(ctx: PgContext, query: PostgresQueryResult | null) {
  if (!query || query.inRecovery || query.timeline === null || query.timeline <= 1) return undefined;
  return (await readTimelineHistory(ctx, query.timeline)) ?? undefined;
}

/** One observation per HA cycle (postgres.md §4). */
export async function observe(ctx: PgContext): Promise<PostgresObservation> {
  const inspection = inspectDataDirectory(ctx.dataDir);
  const postmaster = checkPostmaster(ctx.dataDir);
  ctx.observedPostmaster = postmaster;
  const postmasterRunning = postmaster.kind === 'running';
  if (!postmasterRunning && ['running', 'starting'].includes(ctx.state)) {
    ctx.logger.warn('postmaster is not running anymore');
    ctx.state = 'crashed';
  }
  let query: PostgresQueryResult | null = null;
  let reasons = ctx.pendingRestartReason;
  let row: StatusRow | null = null;
  if (postmasterRunning) {
    row = await statusRow(ctx, 2);
    if (row) {
      query = await withReplicaTimeline(ctx, toQueryResult(row));
      reasons = pendingReasons(ctx, row.pending_restart);
      if (['stopped', 'crashed', 'starting'].includes(ctx.state)) ctx.state = 'running';
    }
  }
  const skipControl = inspection.state.kind !== 'initialized' || ctx.state === 'creating replica';
  const controlData = skipControl
    ? {}
    : await observedControlData(ctx, postmaster, query?.inRecovery ?? null);
  const timelineHistory = await primaryHistory(ctx, query);
  ctx.observedSlots = row ? observedSlotsOf(ctx, row) : null;
  return {
    state: ctx.state,
    dataDirectory: inspection.state,
    sysid: controlData['Database system identifier'] ?? null,
    postmasterRunning,
    query,
    controlData,
    majorVersion: inspection.majorVersion,
    pendingRestart: Object.keys(reasons).length > 0,
    pendingRestartReason: reasons,
    hasRecoveryConfig: hasRecoverySignal(ctx.dataDir),
    ...(timelineHistory ? { timelineHistory } : {}),
  };
}
