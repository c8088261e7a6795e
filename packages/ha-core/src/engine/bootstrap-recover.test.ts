import { describe, expect, it } from 'vitest';
import { aCluster, SYSID } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { pgDown, pgEmpty, pgPrimary, pgReplica, pgStarting } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const fresh = () => aCluster().withInitialize(null).withoutConfig();
const withLeader = () => aCluster().withLeader('pg1').withReplica('pg2');
const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };
const bootstrapAction = (name: string, kind: 'bootstrap' | 'post-bootstrap') => ({
  name,
  work: kind === 'bootstrap' ? { kind, standbyLeaderSource: null } : { kind },
  startedAtMs: NOW_MS - 1000,
});

const bootstrapCases: DecisionCase[] = [
  {
    name: 'empty cluster: win /initialize and bootstrap',
    given: { me: 'pg1', cluster: fresh(), pg: pgEmpty() },
    summary: 'trying to bootstrap a new cluster',
    actions: ['watchdog.disable', "dcs.initialize create ''", 'action.start bootstrap'],
    verify: (run) => expect(run.outcome.state.bootstrapping).toBe(true),
  },
  {
    name: 'empty cluster: lose /initialize',
    given: { me: 'pg2', cluster: fresh(), pg: pgEmpty(), respond: { 'dcs.initialize': false } },
    summary: 'failed to acquire initialize lock',
  },
  {
    name: 'empty cluster, standby cluster config: bootstrap a standby leader',
    given: {
      me: 'pg1',
      cluster: fresh(),
      pg: pgEmpty(),
      respond: {
        'dcs.load-cluster': {
          cluster: fresh().build(),
          config: aCluster()
            .withConfig({ standby_cluster: { host: 'remote', port: 5433 } })
            .config(),
        },
      },
    },
    summary: 'trying to bootstrap a new standby leader',
    includes: ['action.start bootstrap_standby_leader'],
  },
  {
    name: 'nofailover node never bootstraps a new cluster',
    given: { me: 'pg2', cluster: fresh(), pg: pgEmpty(), tags: { nofailover: true } },
    summary: 'waiting for leader to bootstrap',
  },
  {
    name: 'no bootstrap section: wait',
    given: { me: 'pg2', cluster: fresh(), pg: pgEmpty(), local: { hasBootstrapSection: false } },
    summary: 'waiting for leader to bootstrap',
  },
  {
    name: 'cluster with a leader: clone from it',
    given: { me: 'pg3', cluster: withLeader(), pg: pgEmpty() },
    summary: "trying to bootstrap from leader 'pg1'",
    includes: ["action.start bootstrap from leader 'pg1' (replica <- pg1)"],
  },
  {
    name: 'cluster with a clonefrom replica: clone from it',
    given: {
      me: 'pg3',
      cluster: withLeader().withReplica('pg2', { tags: { clonefrom: true } }),
      pg: pgEmpty(),
    },
    summary: "trying to bootstrap from replica 'pg2'",
  },
  {
    name: 'no leader but a backup method: clone without leader',
    given: {
      me: 'pg3',
      cluster: aCluster().withReplica('pg2'),
      pg: pgEmpty(),
      local: { canCreateReplicaWithoutLeader: true },
    },
    summary: 'trying to bootstrap (without leader)',
  },
  {
    name: 'empty data directory while holding the lock: release it',
    given: { me: 'pg1', cluster: withLeader(), pg: pgEmpty(), state: leaderState },
    summary: 'released leader key voluntarily as data dir empty and currently leader',
    includes: ['dcs.release-leader'],
  },
  {
    name: 'inaccessible data directory',
    given: {
      me: 'pg2',
      cluster: withLeader(),
      pg: { ...pgEmpty(), dataDirectory: { kind: 'inaccessible', error: 'EACCES' } },
    },
    summary: 'data directory is not accessible: EACCES',
  },
  {
    name: 'paused with an empty data directory',
    given: { me: 'pg2', cluster: withLeader().withConfig({ pause: true }), pg: pgEmpty() },
    summary: 'PAUSE: running with empty data directory',
  },
  {
    name: 'bootstrap running: report it',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(''),
      pg: pgEmpty(),
      action: bootstrapAction('bootstrap', 'bootstrap'),
      state: { bootstrapping: true },
    },
    summary: 'bootstrap in progress',
  },
  {
    name: 'bootstrap done, still in recovery',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(''),
      pg: pgReplica(),
      state: { bootstrapping: true },
    },
    summary: 'waiting for end of recovery after bootstrap',
  },
  {
    name: 'bootstrap done: run post_bootstrap',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(''),
      pg: pgPrimary(),
      state: { bootstrapping: true },
      finished: {
        name: 'bootstrap',
        work: { kind: 'bootstrap', standbyLeaderSource: null },
        result: { ok: true },
      },
    },
    summary: 'running post_bootstrap',
    includes: ['action.start post_bootstrap'],
  },
  {
    name: 'post_bootstrap done: initialize, config, take the key',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize('').withoutConfig(),
      pg: pgPrimary(),
      state: { bootstrapping: true, role: 'primary' },
      finished: { name: 'post_bootstrap', work: { kind: 'post-bootstrap' }, result: { ok: true } },
    },
    summary: 'initialized a new cluster',
    includes: [
      `dcs.initialize overwrite '${SYSID}'`,
      'dcs.set-config',
      'dcs.take-leader',
      'callback on_start primary',
      'dcs.load-cluster',
    ],
    verify: (run) => {
      expect(run.outcome.state.bootstrapping).toBe(false);
      expect(run.outcome.state.leaderExpiryMs).toBeGreaterThan(NOW_MS);
    },
  },
  {
    name: 'failed bootstrap cancels initialization and exits',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(''),
      pg: pgDown(),
      state: { bootstrapping: true },
      finished: {
        name: 'bootstrap',
        work: { kind: 'bootstrap', standbyLeaderSource: null },
        result: { ok: false, error: 'initdb failed' },
      },
    },
    summary: 'Failed to bootstrap cluster',
    includes: ['dcs.cancel-initialization', 'pg.stop immediate', 'pg.remove-data-directory'],
    verify: (run) => expect(run.outcome.fatal).toBe('Failed to bootstrap cluster'),
  },
  {
    name: 'system ID mismatch exits',
    given: { me: 'pg2', cluster: withLeader().withInitialize('7999999999999999999'), pg: pgReplica() },
    summary: 'system ID mismatch, node pg2 belongs to a different cluster',
    verify: (run) => expect(run.outcome.fatal).not.toBeNull(),
  },
  {
    name: 'system ID mismatch while paused: release the key',
    given: {
      me: 'pg1',
      cluster: withLeader().withInitialize('7999999999999999999').withConfig({ pause: true }),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: 'PAUSE: released leader key voluntarily due to the system ID mismatch',
  },
  {
    name: 'invalid system ID in a non-empty data directory',
    given: {
      me: 'pg2',
      cluster: withLeader(),
      pg: { ...pgReplica(), dataDirectory: { kind: 'invalid', error: 'no PG_VERSION' }, sysid: null },
    },
    summary: 'data dir for the cluster is not empty, but system ID is invalid; consider doing reinitialize',
  },
  {
    name: 'no /initialize after start with a running replica: abort',
    given: {
      me: 'pg2',
      cluster: aCluster().withInitialize(null),
      pg: pgReplica(),
      state: { startCallbackDone: false },
    },
    summary: 'No initialize key in DCS and PostgreSQL is running as replica, aborting start',
  },
  {
    name: 'no /initialize after start with existing data: adopt it',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(null),
      reloaded: aCluster().withLeader('pg1'),
      pg: pgPrimary(),
      state: { startCallbackDone: false, role: 'primary' },
    },
    summary: 'acquired session lock as a leader',
    includes: [`dcs.initialize create '${SYSID}'`, 'dcs.acquire-leader', 'callback on_start primary'],
  },
];

const recoverCases: DecisionCase[] = [
  {
    name: 'crashed primary with the lock restarts as primary',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgDown({ state: 'running', clusterState: 'in production' }),
      state: leaderState,
    },
    summary: 'starting primary after failure',
    includes: ['dcs.renew-leader', 'action.start starting primary after failure (primary <- none)'],
    verify: (run) => {
      expect(run.outcome.state.recovering).toBe(true);
      expect(run.outcome.state.publishedPgState).toBe('crashed');
    },
  },
  {
    name: 'crashed primary with primary_start_timeout 0 fails over',
    given: {
      me: 'pg1',
      cluster: withLeader().withConfig({ primary_start_timeout: 0 }),
      pg: pgDown({ state: 'running', clusterState: 'in production' }),
      state: leaderState,
    },
    summary: 'stopped PostgreSQL to fail over after a crash',
    includes: ['peers.fetch-status pg2', 'pg.stop immediate', 'dcs.release-leader'],
  },
  {
    name: 'crashed primary, timeout 0, nobody to fail over to: start it again',
    given: {
      me: 'pg1',
      cluster: withLeader().withConfig({ primary_start_timeout: 0 }),
      pg: pgDown({ state: 'running', clusterState: 'in production' }),
      state: leaderState,
      peers: { pg2: null },
    },
    summary: 'starting as readonly because i had the session lock',
    excludes: ['dcs.release-leader'],
  },
  {
    name: 'stopped replica starts following the leader',
    given: { me: 'pg2', cluster: withLeader(), pg: pgDown() },
    summary: 'starting as a secondary',
    includes: [
      'watchdog.disable',
      'dcs.load-cluster',
      'action.start restarting after failure (replica <- pg1)',
    ],
  },
  {
    name: 'stopped former primary without lock: crash recovery first',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg1'),
      pg: pgDown({ state: 'stopped', clusterState: 'in production' }),
    },
    summary: 'doing crash recovery in a single user mode',
    includes: ['action.start doing crash recovery in a single user mode'],
    verify: (run) => expect(run.outcome.state.crashRecoveryStartedMs).toBe(NOW_MS),
  },
  {
    name: 'lock holder with Postgres down and not crashed: start read-only',
    given: { me: 'pg1', cluster: withLeader(), pg: pgDown(), state: { ...leaderState, role: 'replica' } },
    summary: 'starting as readonly because i had the session lock',
    includes: ['action.start restarting after failure (replica <- none)'],
  },
  {
    name: 'diverged replica: rewind',
    given: {
      me: 'pg2',
      cluster: withLeader(),
      pg: pgDown(),
      rewindUsable: true,
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: 'running pg_rewind from pg1',
    includes: ['pg.check-divergence pg1', 'action.start running pg_rewind from pg1'],
  },
  {
    name: 'diverged replica waits for the leader checkpoint',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg1', { extra: { checkpoint_after_promote: false } })
        .withReplica('pg2'),
      pg: pgDown(),
      rewindUsable: true,
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: 'running pg_rewind from pg1',
    includes: ['log info: Waiting for checkpoint on pg1 before rewind'],
    excludes: ['action.start'],
  },
  {
    name: 'diverged replica without pg_rewind but allowed to wipe: reinitialize',
    given: {
      me: 'pg2',
      cluster: withLeader(),
      pg: pgDown(),
      local: { removeDataDirectoryOnDivergedTimelines: true },
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: 'reinitializing due to diverged timelines',
  },
  {
    name: 'background start failed: failed to start postgres',
    given: {
      me: 'pg2',
      cluster: withLeader(),
      pg: pgDown({ state: 'start failed' }),
      state: { recovering: true },
    },
    summary: 'failed to start postgres',
  },
  {
    name: 'background start failed while holding the lock: remove the key',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgDown({ state: 'start failed' }),
      state: { ...leaderState, recovering: true },
    },
    summary: 'removed leader key after trying and failing to start postgres',
    includes: ['callback on_role_change demoted', 'dcs.release-leader'],
  },
  {
    name: 'paused, Postgres down, holding the lock: remove it',
    given: { me: 'pg1', cluster: withLeader().withConfig({ pause: true }), pg: pgDown(), state: leaderState },
    summary: 'PAUSE: removed leader lock because postgres is not running',
  },
  {
    name: 'paused, Postgres down: leave it',
    given: { me: 'pg2', cluster: withLeader().withConfig({ pause: true }), pg: pgDown() },
    summary: 'PAUSE: postgres is not running',
    excludes: ['action.start'],
  },
  {
    name: 'primary still starting, within the timeout',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgStarting(),
      state: { ...leaderState, startingSinceMs: NOW_MS - 100_000 },
    },
    summary: 'PostgreSQL is still starting up, 200 seconds until timeout',
  },
  {
    name: 'primary start timed out with a candidate: fail over',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgStarting(),
      state: { ...leaderState, startingSinceMs: NOW_MS - 400_000 },
    },
    summary: 'stopped PostgreSQL because of startup timeout',
  },
  {
    name: 'primary start timed out, nobody to fail over to',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgStarting(),
      peers: { pg2: null },
      state: { ...leaderState, startingSinceMs: NOW_MS - 400_000 },
    },
    summary: 'primary start has timed out, but continuing to wait because failover is not possible',
  },
  {
    name: 'starting primary lost its key',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgStarting(),
      state: leaderState,
      respond: { 'dcs.renew-leader': false },
    },
    summary: 'stopped PostgreSQL while starting up because leader key was lost',
  },
];

const crashRecovery = {
  name: 'doing crash recovery in a single user mode',
  work: { kind: 'crash-recovery' as const },
  startedAtMs: NOW_MS - 1000,
};

const longActionCases: DecisionCase[] = [
  {
    name: 'lock holder keeps the key during a long action',
    given: { me: 'pg1', cluster: withLeader(), pg: pgDown(), state: leaderState, action: crashRecovery },
    summary: 'updated leader lock during doing crash recovery in a single user mode',
  },
  {
    name: 'crash recovery beyond primary_start_timeout with a candidate: terminate it',
    given: {
      me: 'pg1',
      cluster: withLeader(),
      pg: pgDown(),
      state: { ...leaderState, crashRecoveryStartedMs: NOW_MS - 400_000 },
      action: crashRecovery,
    },
    summary: 'terminated crash recovery because of startup timeout',
    includes: ['action.cancel', 'pg.stop immediate', 'dcs.release-leader'],
  },
  {
    name: 'promote in flight but the key is gone: cancel it',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg2').withReplica('pg1'),
      pg: pgReplica(),
      action: { name: 'promote', work: { kind: 'promote', waitMs: 10_000 }, startedAtMs: NOW_MS },
    },
    summary: 'lost leader before promote',
  },
  {
    name: 'primary restarting without the key: demote',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg2').withReplica('pg1'),
      pg: pgPrimary(),
      state: { role: 'primary' },
      action: {
        name: 'restart',
        work: { kind: 'restart', start: { role: 'primary', upstream: null, timeoutMs: 1 } },
        startedAtMs: NOW_MS,
      },
    },
    summary: 'lost leader lock during restart',
    includes: ['action.cancel', 'pg.stop immediate'],
  },
  {
    name: 'replica cloning while the cluster has no leader',
    given: {
      me: 'pg3',
      cluster: aCluster().withReplica('pg2'),
      pg: pgEmpty(),
      action: {
        name: "bootstrap from leader 'pg1'",
        work: { kind: 'clone', source: null, start: { role: 'replica', upstream: null, timeoutMs: 1 } },
        startedAtMs: NOW_MS,
      },
    },
    summary: "bootstrap from leader 'pg1' in progress",
    includes: ['log info: not healthy enough for leader race'],
  },
];

describe('bootstrap (ha-loop.md §4) and data directory checks', () => {
  it.each(bootstrapCases)('$name', (row) => {
    checkCase(row);
  });
});

describe('recover (ha-loop.md §5) and starting instance (§3.2)', () => {
  it.each(recoverCases)('$name', (row) => {
    checkCase(row);
  });
});

describe('long actions (ha-loop.md §3.1)', () => {
  it.each(longActionCases)('$name', (row) => {
    checkCase(row);
  });
});
