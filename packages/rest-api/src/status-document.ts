/**
 * The status document (rest-api.md §4.5) that `GET /patroni`, every health check and `/metrics` are built from:
 * the HA loop's published status plus a fresh Postgres probe. Pure: the caller supplies the probe and the time.
 */
import type { Cluster, PostgresQueryResult, PublishedStatus } from '@patroni/ha-core';
import { isUnlocked, syncMatches } from '@patroni/ha-core';
import { isQuorumCommitMode, isStandbyCluster, isSynchronousMode } from './global-config.js';
import { toPythonDatetimeText } from './py-json.js';

/**
 * The probe result, with the WAL receiver fields Patroni 4.x also reads when the agent provides them
 * (`latest_end_lsn` for lag checks, `written_lsn` for `received_location`).
 */
export type ProbedQuery = PostgresQueryResult & {
  readonly latestEndLsn?: number | null;
  readonly writtenLsn?: number | null;
};

/** Postgres states in which Patroni queries the server for the status document. */
const QUERYABLE_STATES = new Set(['running', 'restarting', 'starting']);

export function shouldProbe(status: PublishedStatus): boolean {
  return QUERYABLE_STATES.has(status.state);
}

/** What one request sees: the published status, the cached cluster if still valid, and the leader flag. */
export interface NodeView {
  readonly status: PublishedStatus;
  /** The cached DCS view, null when absent or older than `ttl`. */
  readonly cluster: Cluster | null;
  readonly isLeader: boolean;
}

export function nodeViewOf(status: PublishedStatus, nowMs: number): NodeView {
  const fresh = status.cluster !== null && nowMs - status.dcsLastSeenMs < status.timing.ttlMs;
  return { status, cluster: fresh ? status.cluster : null, isLeader: status.leaderUntilMs > nowMs };
}

export interface StatusDocument {
  /** Keys in Patroni's order, ready to serialise. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The WAL receiver's latest_end_lsn (0 when unknown); feeds lag checks, never shown. */
  readonly latestEndLsn: number;
}

function xlogOf(query: ProbedQuery): Record<string, unknown> {
  if (!query.inRecovery) return { location: query.walPosition };
  return {
    received_location: query.writtenLsn || query.receivedLsn || query.replayedLsn,
    replayed_location: query.replayedLsn,
    replayed_timestamp:
      query.replayedTimestamp === null ? null : toPythonDatetimeText(query.replayedTimestamp),
    paused: query.replayPaused,
  };
}

function replicationStateOf(query: ProbedQuery): string | null {
  if (!query.inRecovery) return null;
  if (query.receiverState === 'streaming') return 'streaming';
  return query.restoreCommand ? 'in archive recovery' : null;
}

function queryPart(view: NodeView, query: ProbedQuery): Record<string, unknown> {
  const { status, cluster } = view;
  const config = status.dynamicConfig;
  let role = query.inRecovery ? 'replica' : 'primary';
  if (role === 'replica' && isStandbyCluster(config)) role = status.role;
  const doc: Record<string, unknown> = {
    state: status.state,
    postmaster_start_time: toPythonDatetimeText(query.postmasterStartTime),
    role,
    server_version: query.serverVersion,
    xlog: xlogOf(query),
  };
  if (
    role === 'replica' &&
    isSynchronousMode(config) &&
    cluster &&
    syncMatches(cluster.sync, status.name, false)
  ) {
    doc[isQuorumCommitMode(config) ? 'quorum_standby' : 'sync_standby'] = true;
  }
  doc.timeline = query.timeline;
  const replicationState = replicationStateOf(query);
  if (replicationState) doc.replication_state = replicationState;
  if (query.replication.length > 0) {
    doc.replication = query.replication.map((r) => ({
      usename: r.usename,
      application_name: r.applicationName,
      client_addr: r.clientAddr,
      state: r.state,
      sync_state: r.syncState,
      sync_priority: r.syncPriority,
    }));
  }
  return doc;
}

function scheduledRestartOf(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { postmaster_start_time: _dropped, ...rest } = raw;
  return rest;
}

/** Builds the document; `query` is null when Postgres was not probed or did not answer. */
export function buildStatusDocument(view: NodeView, query: ProbedQuery | null): StatusDocument {
  const { status, cluster } = view;
  let doc: Record<string, unknown>;
  if (query && shouldProbe(status)) {
    doc = queryPart(view, query);
  } else {
    const state = status.state === 'running' ? 'unknown' : status.state;
    doc = { state, role: status.role };
  }
  if (status.paused) doc.pause = true;
  if (!cluster || isUnlocked(cluster)) doc.cluster_unlocked = true;
  if (status.failsafeActive) doc.failsafe_mode_is_active = true;
  doc.dcs_last_seen = Math.trunc(status.dcsLastSeenMs / 1000);
  if (Object.keys(status.tags).length > 0) doc.tags = status.tags;
  const pg = status.postgres;
  if (pg?.sysid) doc.database_system_identifier = pg.sysid;
  if (pg && (pg.pendingRestart || Object.keys(pg.pendingRestartReason).length > 0)) {
    doc.pending_restart = true;
    doc.pending_restart_reason = pg.pendingRestartReason;
  }
  doc.patroni = { version: status.patroniVersion, scope: status.scope, name: status.name };
  if (status.scheduledRestart) doc.scheduled_restart = scheduledRestartOf(status.scheduledRestart);
  if (status.watchdogFailed) doc.watchdog_failed = true;
  const latestEndLsn = query && shouldProbe(status) && query.inRecovery ? (query.latestEndLsn ?? 0) : 0;
  return { body: doc, latestEndLsn };
}
