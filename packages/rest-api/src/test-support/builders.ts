/**
 * Test builders: a 3-node cluster shaped like the captured Python Patroni 3.0.2 run (scope `bench`, leader
 * node2), `PublishedStatus` values per role, probe results, and an in-test `AgentCommands` that records calls.
 */
import {
  type AgentCommands,
  asLsn,
  type Cluster,
  type CommandResult,
  type KvNode,
  type PostgresObservation,
  type PublishedStatus,
  parseCluster,
} from '@patroni/ha-core';
import type { ProbedQuery } from '../status-document.js';

export const NOW_MS = Date.UTC(2026, 10, 26, 10, 4, 3);
export const LEADER_LSN = 67282344;

export const BENCH_CONFIG = {
  ttl: 30,
  loop_wait: 10,
  retry_timeout: 10,
  maximum_lag_on_failover: 1048576,
  postgresql: {
    use_pg_rewind: true,
    use_slots: true,
    parameters: {
      wal_level: 'replica',
      hot_standby: 'on',
      wal_log_hints: 'on',
      max_wal_senders: 10,
      max_replication_slots: 10,
    },
  },
};

function member(name: string, port: number, role: string, extra: Record<string, unknown> = {}): KvNode {
  const apiPort = 18007 + Number(name.slice(-1));
  const value = {
    conn_url: `postgres://127.0.0.1:${port}/postgres`,
    api_url: `http://127.0.0.1:${apiPort}/patroni`,
    state: 'running',
    role,
    version: '3.0.2',
    xlog_location: LEADER_LSN,
    timeline: 2,
    ...extra,
  };
  return { key: `members/${name}`, value: JSON.stringify(value), version: '5', session: 'lease1' };
}

export interface ClusterOptions {
  readonly leader?: string | null;
  readonly config?: Record<string, unknown> | null;
  readonly sync?: { leader: string; sync_standby: string; quorum?: number } | null;
  readonly failover?: Record<string, unknown> | null;
  readonly failsafe?: Record<string, string> | null;
  readonly lastLsn?: number;
  readonly memberExtra?: Record<string, Record<string, unknown>>;
}

/** The captured cluster (node2 leader, node1/node3 replicas) with optional changes. */
export function benchCluster(options: ClusterOptions = {}): Cluster {
  const leader = options.leader === undefined ? 'node2' : options.leader;
  const config = options.config === undefined ? BENCH_CONFIG : options.config;
  const extra = options.memberExtra ?? {};
  const nodes: KvNode[] = [
    { key: 'initialize', value: '7712418725868607391', version: '1', session: null },
    {
      key: 'status',
      value: JSON.stringify({ optime: options.lastLsn ?? LEADER_LSN }),
      version: '9',
      session: null,
    },
    {
      key: 'history',
      value: '[[1,67280280,"no recovery target specified","2026-11-26T10:03:51.516755+00:00","node2"]]',
      version: '7',
      session: null,
    },
    member('node1', 15432, 'replica', extra.node1),
    member('node2', 15433, 'master', extra.node2),
    member('node3', 15434, 'replica', extra.node3),
  ];
  if (config) nodes.push({ key: 'config', value: JSON.stringify(config), version: '3', session: null });
  if (leader) nodes.push({ key: 'leader', value: leader, version: '8', session: 'lease1' });
  if (options.sync)
    nodes.push({ key: 'sync', value: JSON.stringify(options.sync), version: '4', session: null });
  if (options.failover) {
    nodes.push({ key: 'failover', value: JSON.stringify(options.failover), version: '6', session: null });
  }
  if (options.failsafe) {
    nodes.push({ key: 'failsafe', value: JSON.stringify(options.failsafe), version: '2', session: null });
  }
  return parseCluster({ nodes });
}

export function primaryQuery(overrides: Partial<ProbedQuery> = {}): ProbedQuery {
  return {
    serverVersion: 150020,
    postmasterStartTime: '2026-11-26 10:03:39.052841+00',
    inRecovery: false,
    timeline: 2,
    walPosition: asLsn(LEADER_LSN),
    replayedLsn: asLsn(0),
    receivedLsn: asLsn(0),
    replayedTimestamp: null,
    replayPaused: false,
    receiverState: null,
    restoreCommand: null,
    replication: ['node3', 'node1'].map((name, i) => ({
      pid: 100 + i,
      usename: 'replicator',
      applicationName: name,
      clientAddr: '127.0.0.1',
      state: 'streaming',
      syncState: 'async',
      syncPriority: 0,
      writeLsn: asLsn(LEADER_LSN),
      flushLsn: asLsn(LEADER_LSN),
      replayLsn: asLsn(LEADER_LSN),
    })),
    synchronousStandbyNames: '',
    synchronousCommit: 'on',
    slots: [],
    ...overrides,
  };
}

export function replicaQuery(overrides: Partial<ProbedQuery> = {}): ProbedQuery {
  return {
    serverVersion: 150020,
    postmasterStartTime: '2026-11-26 10:03:54.295713+00',
    inRecovery: true,
    timeline: 2,
    walPosition: asLsn(0),
    replayedLsn: asLsn(LEADER_LSN),
    receivedLsn: asLsn(LEADER_LSN),
    replayedTimestamp: '2026-11-26 10:03:54.730517+00',
    replayPaused: false,
    receiverState: 'streaming',
    restoreCommand: null,
    replication: [],
    synchronousStandbyNames: '',
    synchronousCommit: 'on',
    slots: [],
    ...overrides,
  };
}

function observation(query: ProbedQuery | null): PostgresObservation {
  return {
    state: 'running',
    dataDirectory: { kind: 'initialized' },
    sysid: '7712418725868607391',
    postmasterRunning: true,
    query,
    controlData: {},
    majorVersion: 150000,
    pendingRestart: false,
    pendingRestartReason: {},
    hasRecoveryConfig: query?.inRecovery ?? false,
  };
}

/** The published status of node2 (leader) or node1 (replica) in the healthy captured cluster. */
export function statusOf(
  role: 'primary' | 'replica',
  overrides: Partial<PublishedStatus> = {},
): PublishedStatus {
  const isPrimary = role === 'primary';
  const cluster = overrides.cluster === undefined ? benchCluster() : overrides.cluster;
  return {
    scope: 'bench',
    name: isPrimary ? 'node2' : 'node1',
    patroniVersion: '4.1.4',
    role,
    state: 'running',
    cluster,
    dcsLastSeenMs: NOW_MS - 1000,
    leaderUntilMs: isPrimary ? NOW_MS + 29_000 : 0,
    dynamicConfig: cluster?.config?.data ?? BENCH_CONFIG,
    timing: { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 },
    paused: false,
    tags: {},
    failsafeActive: false,
    watchdogFailed: false,
    scheduledRestart: null,
    postgres: observation(isPrimary ? primaryQuery() : replicaQuery()),
    asyncAction: null,
    lastSummary: isPrimary
      ? 'no action. I am (node2), the leader with the lock'
      : 'no action. I am (node1), a secondary, and following a leader (node2)',
    apiUrl: `http://127.0.0.1:${isPrimary ? 18009 : 18008}/patroni`,
    connUrl: `postgres://127.0.0.1:${isPrimary ? 15433 : 15432}/postgres`,
    nextRunAtMs: NOW_MS + 5000,
    ...overrides,
  };
}

export interface RecordedCall {
  readonly method: string;
  readonly args: unknown[];
}

/** An in-test `AgentCommands`: answers from a table, records every call, probe result settable. */
export class FakeCommands implements AgentCommands {
  readonly calls: RecordedCall[] = [];
  probeResult: ProbedQuery | null;
  probeCount = 0;
  probeDelayMs = 0;
  answers: Partial<Record<string, CommandResult>> = {};
  cluster: Cluster | (() => Cluster);

  constructor(probe: ProbedQuery | null, cluster: Cluster = benchCluster()) {
    this.probeResult = probe;
    this.cluster = cluster;
  }

  private record(method: string, args: unknown[], fallback: CommandResult): Promise<CommandResult> {
    this.calls.push({ method, args });
    return Promise.resolve(this.answers[method] ?? fallback);
  }

  async probePostgres() {
    this.probeCount++;
    if (this.probeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.probeDelayMs));
    return this.probeResult;
  }
  reload() {
    return this.record('reload', [], { status: 202, body: 'reload scheduled' });
  }
  restart(request: unknown) {
    return this.record('restart', [request], { status: 200, body: 'restarted successfully' });
  }
  cancelScheduledRestart() {
    return this.record('cancelScheduledRestart', [], { status: 404, body: 'no restarts are scheduled' });
  }
  reinitialize(request: unknown) {
    return this.record('reinitialize', [request], { status: 200, body: 'reinitialize started' });
  }
  switchover(request: unknown) {
    return this.record('switchover', [request], {
      status: 200,
      body: 'Successfully switched over to "node1"',
    });
  }
  cancelScheduledSwitchover() {
    return this.record('cancelScheduledSwitchover', [], { status: 404, body: 'no switchover is scheduled' });
  }
  updateConfig(change: unknown) {
    return this.record('updateConfig', [change], { status: 200, body: { ttl: 30 } });
  }
  failsafeHeartbeat(payload: unknown) {
    return this.record('failsafeHeartbeat', [payload], {
      status: 200,
      body: 'Accepted',
      headers: { lsn: '123' },
    });
  }
  async loadCluster() {
    this.calls.push({ method: 'loadCluster', args: [] });
    return typeof this.cluster === 'function' ? this.cluster() : this.cluster;
  }
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
