/**
 * Engine edge cases: finished actions (bootstrap, promotion, rewind, reinitialize, clone), the data
 * directory, crash recovery and divergence.
 */
import { describe, expect, it } from 'vitest';
import { aCluster } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { leaderMsg, leaderState, replicaMsg, standbyConfig, two } from './test-support/edge-fixtures.js';
import { pgDown, pgPrimary, pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const cases: DecisionCase[] = [
  // Finished actions
  {
    name: 'pre_promote veto: release the key and back off',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgReplica(),
      state: { leaderExpiryMs: NOW_MS + 20_000 },
      finished: {
        name: 'promote',
        work: { kind: 'promote', waitMs: 1 },
        result: { ok: false, error: 'veto', vetoed: true },
      },
    },
    summary: 'Promotion cancelled because the pre-promote script failed',
    includes: ['dcs.release-leader'],
    verify: (run) => expect(run.outcome.state.releasedLeaderKeyAtMs).toBe(NOW_MS),
  },
  {
    name: 'promote finished: role promoted until Postgres leaves recovery',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgReplica(),
      finished: { name: 'promote', work: { kind: 'promote', waitMs: 1 }, result: { ok: true } },
    },
    summary: leaderMsg,
    excludes: ['action.start'],
  },
  {
    name: 'rewind succeeded, then started',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: pgDown(),
      finished: {
        name: 'running pg_rewind from pg1',
        work: { kind: 'rewind', leader: { name: 'pg1', connUrl: 'x' }, removeDataOnFailure: false },
        result: { ok: true },
      },
    },
    summary: 'starting as a secondary',
    verify: (run) => expect(run.outcome.state.rewindExecuted).toBe(true),
  },
  {
    name: 'rewind failed while paused: postgres is not running',
    given: {
      me: 'pg2',
      cluster: two().withConfig({ pause: true }),
      pg: pgDown(),
      finished: {
        name: 'running pg_rewind from pg1',
        work: { kind: 'rewind', leader: { name: 'pg1', connUrl: 'x' }, removeDataOnFailure: false },
        result: { ok: false, error: 'x' },
      },
    },
    summary: 'PAUSE: postgres is not running',
  },
  // postgres.md §7.4.8 (sim seeds 212, 458, 481, 748, 781, 1513, 2158, 2486): only a pg_rewind that failed
  // against a healthy primary is FAILED; one whose source went away, or that was cancelled, is retried.
  ...(
    [
      [
        'failed against a healthy primary: FAILED, started without rewinding',
        {},
        true,
        'failed',
        'starting as a secondary',
      ],
      [
        'source gone: NEED stays, retried at once',
        { sourceUnavailable: true },
        true,
        'need',
        'running pg_rewind from pg1',
      ],
      [
        'cancelled: NEED stays, retried at once',
        { cancelled: true },
        true,
        'need',
        'running pg_rewind from pg1',
      ],
      [
        'source gone but pg_rewind no longer usable: FAILED',
        { sourceUnavailable: true },
        false,
        'failed',
        'starting as a secondary',
      ],
    ] as const
  ).map(
    ([name, flags, rewindUsable, rewind, summary]): DecisionCase => ({
      name: `rewind ${name}`,
      given: {
        me: 'pg2',
        cluster: two(),
        pg: pgDown(),
        rewindUsable,
        state: { rewind: 'need' },
        finished: {
          name: 'running pg_rewind from pg1',
          work: { kind: 'rewind', leader: { name: 'pg1', connUrl: 'x' }, removeDataOnFailure: true },
          result: { ok: false, error: 'could not connect to pg1', ...flags },
        },
      },
      summary,
      verify: (run) => {
        expect(run.outcome.state.rewind).toBe(rewind);
        expect(run.outcome.state.rewindExecuted).toBe(rewind === 'failed');
      },
    }),
  ),
  {
    name: 'paused with a rewind pending falls through to recover',
    given: {
      me: 'pg2',
      cluster: two().withConfig({ pause: true }),
      pg: pgDown(),
      rewindUsable: true,
      state: { rewind: 'need' },
    },
    summary: 'PAUSE: running pg_rewind from pg1',
  },
  {
    name: 'reinitialize finished: divergence state reset',
    given: {
      me: 'pg2',
      cluster: two(),
      finished: {
        name: 'reinitializing due to diverged timelines',
        work: {
          kind: 'reinitialize',
          source: null,
          start: { role: 'replica', upstream: null, timeoutMs: 1 },
        },
        result: { ok: true },
      },
      state: { rewind: 'need', rewindExecuted: true },
    },
    summary: replicaMsg,
    verify: (run) => expect(run.outcome.state.rewind).toBe('initial'),
  },
  {
    name: 'standby leader bootstrap finished: post-bootstrap is already done',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize('').withConfig(standbyConfig),
      pg: pgReplica(),
      state: { bootstrapping: true },
      finished: {
        name: 'bootstrap_standby_leader',
        work: { kind: 'bootstrap', standbyLeaderSource: { name: 'remote_member', connUrl: 'x' } },
        result: { ok: true },
      },
    },
    summary: 'initialized a new cluster',
    excludes: ['pg.set-synchronous-standby-names'],
    verify: (run) => expect(run.outcome.state.role).toBe('standby_leader'),
  },
  {
    name: 'post_bootstrap failed: cancel initialization',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(''),
      pg: pgPrimary(),
      state: { bootstrapping: true },
      finished: {
        name: 'post_bootstrap',
        work: { kind: 'post-bootstrap' },
        result: { ok: false, error: 'x' },
      },
    },
    summary: 'Failed to bootstrap cluster',
  },
  {
    name: 'bootstrap done with required watchdog that cannot be activated: cancel',
    given: {
      me: 'pg1',
      cluster: aCluster().withInitialize(''),
      pg: pgPrimary(),
      state: { bootstrapping: true, postBootstrapDone: true },
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Failed to bootstrap cluster',
  },
  {
    name: 'bootstrap done in strict synchronous mode: *',
    given: {
      me: 'pg1',
      cluster: aCluster()
        .withInitialize('')
        .withConfig({ synchronous_mode: true, synchronous_mode_strict: true }),
      pg: pgPrimary(),
      state: { bootstrapping: true, postBootstrapDone: true, role: 'primary' },
      local: { watchdogMode: 'automatic' },
    },
    summary: 'initialized a new cluster',
    includes: ['watchdog.activate', 'pg.set-synchronous-standby-names *'],
  },
  {
    name: 'clone finished: replica',
    given: {
      me: 'pg2',
      cluster: two(),
      finished: {
        name: "bootstrap from leader 'pg1'",
        work: { kind: 'clone', source: null, start: { role: 'replica', upstream: null, timeoutMs: 1 } },
        result: { ok: true },
      },
      state: { role: 'uninitialized' },
    },
    summary: replicaMsg,
    verify: (run) => expect(run.outcome.state.role).toBe('replica'),
  },
  {
    name: 'standby cluster without leader and without replica methods: wait',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg3').withConfig(standbyConfig),
      pg: { ...pgDown(), dataDirectory: { kind: 'empty' }, sysid: null },
      local: { hasBootstrapSection: false },
    },
    summary: 'waiting for standby_leader to bootstrap',
  },
  // Data directory
  {
    name: 'data directory wiped under a running Postgres: stop it, then bootstrap from leader',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: { ...pgReplica(), dataDirectory: { kind: 'empty' }, sysid: null },
    },
    summary: "trying to bootstrap from leader 'pg1'",
    includes: ['pg.stop immediate'],
  },
  {
    name: 'inaccessible data directory while leader',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: { ...pgDown(), dataDirectory: { kind: 'inaccessible', error: 'EIO' } },
      state: leaderState,
    },
    summary: 'released leader key voluntarily as data dir not accessible and currently leader',
  },
  // Crash recovery and divergence
  {
    name: 'post_recover with a crashed standby leader holding the key',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withConfig(standbyConfig),
      pg: pgDown({ state: 'start failed' }),
      state: { role: 'standby_leader', recovering: true, leaderExpiryMs: NOW_MS + 1 },
    },
    summary: 'removed leader key after trying and failing to start postgres',
  },
  {
    name: 'post_recover success clears the crash-recovery mark and a successful rewind',
    given: {
      me: 'pg2',
      cluster: two(),
      state: { recovering: true, rewind: 'success', crashRecoveryStartedMs: 5 },
    },
    summary: replicaMsg,
    verify: (run) => {
      expect(run.outcome.state.rewind).toBe('initial');
      expect(run.outcome.state.crashRecoveryStartedMs).toBe(0);
    },
  },
  {
    name: 'recovering with a rewind pending skips post_recover',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: pgDown(),
      rewindUsable: true,
      state: { recovering: true, rewind: 'need' },
    },
    summary: 'running pg_rewind from pg1',
  },
  {
    name: 'rewind needed but Postgres stopped in archive recovery: crash recovery first',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: pgDown({ clusterState: 'in archive recovery' }),
      rewindUsable: true,
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: 'doing crash recovery in a single user mode',
  },
  {
    name: 'divergence check that cannot tell yet keeps checking',
    given: {
      me: 'pg2',
      cluster: two(),
      rewindUsable: true,
      state: { rewind: 'check' },
      respond: { 'pg.check-divergence': 'unknown' },
    },
    summary: replicaMsg,
    verify: (run) => expect(run.outcome.state.rewind).toBe('check'),
  },
  {
    name: 'paused replica with a pending rewind against a locked cluster: rewind',
    given: {
      me: 'pg2',
      cluster: two().withConfig({ pause: true }),
      rewindUsable: true,
      state: { rewind: 'need' },
    },
    summary: 'PAUSE: running pg_rewind from pg1',
  },
  {
    name: 'running replica that diverged from the leader: rewind from follow',
    given: {
      me: 'pg2',
      cluster: two(),
      rewindUsable: true,
      state: { rewind: 'check' },
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: 'running pg_rewind from pg1',
  },
];

describe('edge cases: lifecycle', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
