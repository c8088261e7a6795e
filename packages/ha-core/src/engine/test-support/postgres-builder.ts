import { asLsn } from '../../model/types.js';
import type {
  PostgresObservation,
  PostgresQueryResult,
  ReplicationConnection,
} from '../../ports/postgres.js';
import { LEADER_LSN, SYSID } from './cluster-builder.js';

const BASE_QUERY: PostgresQueryResult = {
  serverVersion: 150004,
  postmasterStartTime: '2024-01-01 00:00:00+00',
  inRecovery: false,
  timeline: 1,
  walPosition: asLsn(LEADER_LSN),
  replayedLsn: asLsn(0),
  receivedLsn: asLsn(0),
  replayedTimestamp: null,
  replayPaused: false,
  receiverState: null,
  restoreCommand: null,
  replication: [],
  synchronousStandbyNames: '',
  synchronousCommit: 'on',
  slots: [],
};

const BASE: PostgresObservation = {
  state: 'running',
  dataDirectory: { kind: 'initialized' },
  sysid: SYSID,
  postmasterRunning: true,
  query: BASE_QUERY,
  controlData: { 'Database cluster state': 'in production' },
  majorVersion: 150000,
  pendingRestart: false,
  pendingRestartReason: {},
  hasRecoveryConfig: false,
};

export function pgPrimary(
  options: { lsn?: number; timeline?: number; replication?: ReplicationConnection[]; ssn?: string } = {},
): PostgresObservation {
  return {
    ...BASE,
    query: {
      ...BASE_QUERY,
      walPosition: asLsn(options.lsn ?? LEADER_LSN),
      timeline: options.timeline ?? 1,
      replication: options.replication ?? [],
      synchronousStandbyNames: options.ssn ?? '',
    },
  };
}

export function pgReplica(
  options: { lagBytes?: number; timeline?: number | null } = {},
): PostgresObservation {
  const lsn = asLsn(LEADER_LSN - (options.lagBytes ?? 0));
  return {
    ...BASE,
    controlData: { 'Database cluster state': 'in archive recovery' },
    hasRecoveryConfig: true,
    query: {
      ...BASE_QUERY,
      inRecovery: true,
      walPosition: asLsn(0),
      receivedLsn: lsn,
      replayedLsn: lsn,
      receiverState: 'streaming',
      timeline: options.timeline === undefined ? 1 : options.timeline,
    },
  };
}

/** Postgres is down; `state` is what the port still believes (`running` after a crash, `stopped` after a stop). */
export function pgDown(
  options: { state?: PostgresObservation['state']; clusterState?: string; recoveryConf?: boolean } = {},
): PostgresObservation {
  return {
    ...BASE,
    state: options.state ?? 'stopped',
    postmasterRunning: false,
    query: null,
    controlData: { 'Database cluster state': options.clusterState ?? 'shut down' },
    hasRecoveryConfig: options.recoveryConf ?? false,
  };
}

export function pgStarting(): PostgresObservation {
  return { ...BASE, state: 'starting', query: null };
}

export function pgEmpty(): PostgresObservation {
  return {
    ...BASE,
    state: 'stopped',
    dataDirectory: { kind: 'empty' },
    sysid: null,
    postmasterRunning: false,
    query: null,
    controlData: {},
    majorVersion: null,
  };
}

export function streaming(
  name: string,
  options: { lsn?: number; syncState?: string; state?: string } = {},
): ReplicationConnection {
  const lsn = asLsn(options.lsn ?? LEADER_LSN);
  return {
    pid: 1000 + name.length,
    usename: 'replicator',
    applicationName: name,
    clientAddr: null,
    state: options.state ?? 'streaming',
    syncState: options.syncState ?? 'potential',
    syncPriority: 0,
    writeLsn: lsn,
    flushLsn: lsn,
    replayLsn: lsn,
  };
}
