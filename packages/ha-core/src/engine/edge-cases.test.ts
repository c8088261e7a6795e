import { describe, expect, it } from 'vitest';
import { asLsn } from '../model/types.js';
import { runCycle } from './cycle.js';
import { EffectFailure } from './effects.js';
import { InvariantError, invariant } from './invariant.js';
import { desiredSlots } from './slots.js';
import { pickSyncStandbys, renderSynchronousStandbyNames } from './sync-standbys.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { cycleInput, dcsDown, NOW_MS } from './test-support/drive.js';
import { pgDown, pgPrimary, pgReplica, pgStarting, streaming } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };
const two = () => aCluster().withLeader('pg1').withReplica('pg2');
const leaderMsg = 'no action. I am (pg1), the leader with the lock';
const replicaMsg = 'no action. I am (pg2), a secondary, and following a leader (pg1)';
const standbyConfig = { standby_cluster: { host: 'remote', port: 5433 } };

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
  // Watchdog
  {
    name: 'primary with the key whose watchdog cannot be activated (required): demote',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Demoting self because watchdog could not be activated',
  },
  {
    name: 'lock holder not yet primary, watchdog required and failing: no promotion',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgReplica(),
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Not promoting self because watchdog could not be activated',
    includes: ['dcs.release-leader'],
  },
  {
    name: 'automatic watchdog that fails does not block; an active one gets keepalives',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: { ...leaderState, watchdogActive: true },
      local: { watchdogMode: 'automatic' },
    },
    summary: leaderMsg,
    // The keepalive rides on the renewal, right after the lease (sim seed 281: /status and /failsafe writes
    // on a slow DCS delayed it past safety_margin).
    includes: ['dcs.renew-leader +keepalive'],
    excludes: ['watchdog.keepalive'],
  },
  {
    name: 'no active watchdog: a plain renewal',
    given: { me: 'pg1', cluster: two(), pg: pgPrimary(), state: leaderState },
    summary: leaderMsg,
    includes: ['dcs.renew-leader'],
    excludes: ['dcs.renew-leader +keepalive', 'watchdog.keepalive'],
  },
  {
    name: 'paused: an active watchdog is disabled',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ pause: true }),
      pg: pgPrimary(),
      state: { ...leaderState, watchdogActive: true },
    },
    summary: `PAUSE: ${leaderMsg}`,
    includes: ['watchdog.disable'],
  },
  {
    // Sim seed 923: the agent hung between the renewal and §6.4's activation; the key expired while the
    // primary kept accepting writes with no watchdog to reset it.
    name: 'running primary with the watchdog off (after a pause): arm it before renewing',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: { ...leaderState, wasPaused: true },
      local: { watchdogMode: 'automatic' },
    },
    summary: leaderMsg,
    includes: ['watchdog.activate', 'dcs.renew-leader +keepalive'],
    verify: (run) => expect(run.lines.filter((l) => l === 'watchdog.activate')).toHaveLength(1),
  },
  {
    name: 'required watchdog failing before the renewal: one attempt, then demote',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Demoting self because watchdog could not be activated',
    includes: ['watchdog.activate', 'dcs.renew-leader'],
    verify: (run) => expect(run.lines.filter((l) => l === 'watchdog.activate')).toHaveLength(1),
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
  // Resume and failsafe details
  {
    name: 'resumed primary re-runs the post-promote checkpoint',
    given: { me: 'pg1', cluster: two(), pg: pgPrimary(), state: { ...leaderState, wasPaused: true } },
    summary: leaderMsg,
    includes: ['pg.checkpoint'],
  },
  {
    name: 'failsafe: alone in /failsafe is enough',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ failsafe_mode: true }),
      pg: pgPrimary(),
      state: {
        ...leaderState,
        watchdogActive: true,
        cluster: two()
          .withConfig({ failsafe_mode: true })
          .withFailsafe({ pg1: 'http://pg1:8008/patroni' })
          .build(),
      },
      respond: { 'dcs.load-cluster': dcsDown() },
      local: { watchdogMode: 'automatic' },
    },
    summary: 'continue to run as a leader because failsafe mode is enabled and all members are accessible',
    includes: ['watchdog.keepalive'],
    excludes: ['peers.failsafe'],
  },
  {
    name: 'failsafe heartbeat older than ttl is ignored: race',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg2').withConfig({ failsafe_mode: true }),
      reloaded: aCluster().withLeader('pg2'),
      failsafeReceived: {
        payload: { name: 'pg1', conn_url: 'c', api_url: 'a', slots: { s: 1 } },
        receivedAtMs: NOW_MS - 60_000,
      },
    },
    summary: 'promoted self to leader by acquiring session lock',
  },
  {
    name: 'failsafe heartbeat with slots: followed as leader',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg2').withConfig({ failsafe_mode: true }),
      failsafeReceived: {
        payload: { name: 'pg1', conn_url: 'c', api_url: 'a', slots: { s: 1 } },
        receivedAtMs: NOW_MS - 1000,
      },
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
  },
  {
    name: 'DCS error while paused',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ pause: true }),
      pg: pgPrimary(),
      respond: { 'dcs.load-cluster': dcsDown() },
    },
    summary: 'PAUSE: DCS is not accessible',
  },
  {
    name: 'DCS error inside the DCS error handling still ends the cycle',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.load-cluster': dcsDown(), 'pg.stop': () => new EffectFailure('dcs-unavailable', 'x') },
    },
    summary: 'DCS is not accessible',
  },
  {
    name: 'member touch failing with a DCS error is logged, not fatal',
    given: { me: 'pg2', cluster: two(), respond: { 'dcs.touch-member': dcsDown() } },
    summary: replicaMsg,
    includes: ['log error: Failed to update my member key: etcd is not reachable'],
  },
  // Starting instance and long actions
  {
    name: 'Postgres starting while paused: the cycle continues',
    given: { me: 'pg2', cluster: two().withConfig({ pause: true }), pg: pgStarting() },
    summary: replicaMsg.replace('no action', 'PAUSE: no action'),
  },
  {
    name: 'starting primary with a switchover request: the request wins',
    given: {
      me: 'pg1',
      cluster: two().withFailover({ leader: 'pg1', member: 'pg2' }),
      pg: pgStarting(),
      state: { ...leaderState, startingSinceMs: NOW_MS - 1000, startTimeoutMs: 60_000 },
    },
    summary: 'switchover: demoting myself',
  },
  {
    name: 'starting replica without the key: continue the cycle, not healthy enough to race',
    given: { me: 'pg2', cluster: aCluster().withReplica('pg2'), pg: pgStarting() },
    summary: 'following a different leader because i am not the healthiest node',
  },
  {
    name: 'action in progress on a paused node without the key',
    given: {
      me: 'pg2',
      cluster: two().withConfig({ pause: true }),
      action: {
        name: 'restart',
        work: { kind: 'restart', start: { role: 'replica', upstream: null, timeoutMs: 1 } },
        startedAtMs: NOW_MS,
      },
    },
    summary: 'PAUSE: restart in progress',
  },
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
    name: 'sync mode: restarting replica clears synchronous_standby_names',
    given: { me: 'pg2', cluster: two().withConfig({ synchronous_mode: true }), pg: pgDown() },
    summary: 'starting as a secondary',
    includes: ['pg.set-synchronous-standby-names (none)'],
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
    name: 'standby cluster replica whose standby leader has no conn_url',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeaderKeyOnly('pg1').withReplica('pg2').withConfig(standbyConfig),
    },
    summary: 'continue following the old known standby leader',
  },
  {
    name: 'nostream replica follows nobody',
    given: { me: 'pg2', cluster: two(), tags: { nostream: true } },
    summary: replicaMsg,
    includes: ['pg.configure-follow none'],
  },
  {
    name: 'replicatefrom an unknown member falls back to the leader',
    given: { me: 'pg2', cluster: two(), tags: { replicatefrom: 'pg9' } },
    summary: replicaMsg,
    includes: ['pg.configure-follow pg1'],
  },
  {
    name: 'synchronous mode: a switchover race excludes nodes outside /sync',
    given: {
      me: 'pg3',
      cluster: aCluster()
        .withFormerLeader('pg1')
        .withReplica('pg2')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: true })
        .withSync('pg1', ['pg2'])
        .withFailover({ leader: 'pg1' }),
    },
    summary: 'following a different leader because i am not the healthiest node',
  },
  {
    name: 'primary with delay scheduled restart due in 5 s, role primary, version filter passes',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      scheduledRestart: {
        atMs: NOW_MS + 5000,
        raw: { schedule: 'soon' },
        postmasterStartTime: '2024-01-01 00:00:00+00',
        role: 'primary',
        postgresVersionNum: 160000,
        restartPending: false,
        timeoutMs: 60_000,
      },
    },
    summary: 'restart initiated',
    includes: ['sleep 5000ms', 'action.start restart (primary <- none)'],
  },
  {
    name: 'scheduled restart requiring a pending restart that is not pending',
    given: {
      me: 'pg2',
      cluster: two(),
      scheduledRestart: {
        atMs: NOW_MS,
        raw: {},
        postmasterStartTime: null,
        role: null,
        postgresVersionNum: 150000,
        restartPending: true,
        timeoutMs: null,
      },
    },
    summary: replicaMsg,
    includes: ['log warn: restart conditions are not satisfied: restart_pending'],
  },
  {
    name: 'stale scheduled restart is dropped',
    given: {
      me: 'pg2',
      cluster: two(),
      scheduledRestart: {
        atMs: NOW_MS - 60_000,
        raw: {},
        postmasterStartTime: null,
        role: null,
        postgresVersionNum: null,
        restartPending: false,
        timeoutMs: null,
      },
    },
    summary: replicaMsg,
    includes: ['scheduled-restart.clear'],
    excludes: ['action.start'],
  },
  {
    name: 'a busy executor refuses a second action',
    given: {
      me: 'pg2',
      cluster: two(),
      respond: {
        'pg.configure-follow': 'restart-required',
        'action.start': { started: false, running: 'restart' },
      },
    },
    summary: replicaMsg,
    includes: [
      'log info: Failed to run changing primary_conninfo and restarting, restart is already in progress',
    ],
  },
  {
    name: 'member data carries pending restart, proxy url and position fields',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: {
        ...pgReplica(),
        pendingRestart: true,
        query: { ...pgReplica().query!, receiverState: null, restoreCommand: 'cp' },
      },
      local: { proxyUrl: 'postgres://proxy:6432/postgres' },
    },
    summary: replicaMsg,
    verify: (run) => {
      const touch = run.effects.find((e) => e.kind === 'dcs.touch-member');
      expect(touch).toMatchObject({
        data: {
          pending_restart: true,
          proxy_url: 'postgres://proxy:6432/postgres',
          replication_state: 'in archive recovery',
          xlog_location: LEADER_LSN,
        },
      });
    },
  },
  {
    name: 'leader publishes permanent slot positions in /status',
    given: {
      me: 'pg1',
      cluster: two().withConfig({
        slots: {
          pg1: { type: 'physical' },
          keep: { type: 'physical' },
          cdc: { type: 'logical', database: 'd', plugin: 'p' },
        },
      }),
      pg: {
        ...pgPrimary(),
        query: {
          ...pgPrimary().query!,
          slots: [
            {
              name: 'keep',
              type: 'physical',
              database: null,
              plugin: null,
              restartLsn: asLsn(77),
              confirmedFlushLsn: null,
              catalogXmin: null,
            },
            {
              name: 'cdc',
              type: 'logical',
              database: 'd',
              plugin: 'p',
              restartLsn: null,
              confirmedFlushLsn: asLsn(66),
              catalogXmin: 1,
            },
            {
              name: 'other',
              type: 'logical',
              database: 'd',
              plugin: 'p',
              restartLsn: null,
              confirmedFlushLsn: asLsn(5),
              catalogXmin: 1,
            },
          ],
        },
      },
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['pg.sync-slots [cdc,keep,pg2]'],
    verify: (run) => {
      const renew = run.effects.find((e) => e.kind === 'dcs.renew-leader');
      expect(renew).toMatchObject({ status: { slots: { keep: 77, cdc: 66, pg1: LEADER_LSN } } });
    },
  },
  {
    name: 'sync mode with own synchronous_standby_names restored when /sync is deleted',
    given: {
      me: 'pg1',
      cluster: two()
        .withSync('pg1', ['pg2'])
        .withConfig({ postgresql: { parameters: { synchronous_standby_names: 'pg2' } } }),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['dcs.delete-sync', 'pg.set-synchronous-standby-names pg2'],
  },
  {
    name: 'sync mode: claiming /sync fails, nothing else changes',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ synchronous_mode: true }),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.write-sync': null },
    },
    summary: leaderMsg,
    excludes: ['pg.set-synchronous-standby-names'],
  },
  {
    name: 'sync mode: /sync lists a standby PG does not report as sync any more (repair)',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ synchronous_mode: true }).withSync('pg1', ['pg2']),
      pg: pgPrimary({ replication: [streaming('pg2', { syncState: 'potential' })], ssn: 'pg2' }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['dcs.write-sync leader=pg1 standbys=[]'],
    excludes: ['pg.set-synchronous-standby-names'],
  },
  {
    name: 'promotion in sync mode with the key: demote stop bounded by primary_stop_timeout',
    given: {
      me: 'pg1',
      cluster: two()
        .withConfig({ synchronous_mode: true, primary_stop_timeout: 30 })
        .withSync('pg1', ['pg2']),
      pg: pgPrimary({ ssn: 'pg2', replication: [streaming('pg2', { syncState: 'sync' })] }),
      state: leaderState,
      respond: { 'dcs.renew-leader': false },
    },
    summary: 'demoted self because failed to update leader lock in DCS',
    verify: (run) =>
      expect(run.effects.find((e) => e.kind === 'pg.stop')).toMatchObject({ stop: { timeoutMs: 30_000 } }),
  },
];

describe('edge cases', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });

  it('invariant throws a coded error', () => {
    expect(() => invariant(false, 'x')).toThrow(InvariantError);
    expect(() => invariant(true, 'x')).not.toThrow();
  });

  it('an invariant violation escapes the cycle (the agent crashes rather than guess)', () => {
    const generator = runCycle(cycleInput({ me: 'pg2', cluster: two() }));
    generator.next();
    expect(() => generator.throw(new InvariantError('boom'))).toThrow(InvariantError);
  });

  it('slot plan edge cases: old Postgres, standby cluster, nofailover, conflicts', () => {
    const cluster = aCluster()
      .withLeader('pg1')
      .withReplica('pg2', { extra: { xlog_location: 900 } })
      .build();
    const config = aCluster()
      .withConfig({
        slots: {
          pg2: { type: 'physical' },
          prim: { type: 'physical', cluster_type: 'primary' },
          logi: { type: 'logical', database: 'd', plugin: 'p' },
        },
      })
      .config();
    const base = {
      me: 'pg1',
      cluster,
      config,
      leader: true,
      nofailover: false,
      nostream: false,
      majorVersion: 100000,
    };
    const old = desiredSlots(base);
    expect(old.problems[0]).toContain(
      'Permanent logical replication slots supported by Patroni only starting from PostgreSQL 11',
    );
    expect(Object.keys(old.desired.slots).sort()).toEqual(['pg2', 'prim']);
    const clashing = aCluster()
      .withConfig({ slots: { pg2: { type: 'logical', database: 'd', plugin: 'p' } } })
      .config();
    const conflict = desiredSlots({ ...base, config: clashing, majorVersion: 150000 });
    expect(conflict.problems[0]).toContain('conflicting with physical replication slot');
    const replica = desiredSlots({ ...base, me: 'pg3', leader: false, majorVersion: 150000 });
    expect(replica.desired.slots.pg2).toEqual({ type: 'physical', lsn: 900 });
    expect(replica.desired.slots.logi).toBeUndefined();
    const standbyConfigParsed = aCluster()
      .withConfig({
        ...standbyConfig,
        slots: {
          prim: { type: 'physical', cluster_type: 'primary' },
          logi: { type: 'logical', database: 'd', plugin: 'p' },
        },
      })
      .config();
    expect(
      Object.keys(desiredSlots({ ...base, config: standbyConfigParsed, majorVersion: 150000 }).desired.slots),
    ).toEqual(['pg2']);
    expect(Object.keys(desiredSlots({ ...base, nofailover: true }).desired.slots)).toEqual(['pg2']);
  });

  it('sync standby pick edge cases: commit levels, lag limit, old servers, own name', () => {
    const members = aCluster().withReplica('a').withReplica('b').withReplica('primary').build().members;
    const input = {
      me: 'primary',
      replication: [
        streaming('a', { lsn: 100 }),
        streaming('b', { lsn: 10_000 }),
        streaming('primary'),
        streaming('zz'),
      ],
      members,
      synchronousNodeCount: 2,
      strict: false,
      maximumLagOnSyncnodeBytes: 1000,
      synchronousCommit: 'remote_apply',
      primaryFlushLsn: 10_000,
      serverVersion: 150000,
      currentSync: [],
      confirmationLsn: 0,
    };
    expect(pickSyncStandbys(input).picked).toEqual(['b']);
    expect(
      pickSyncStandbys({
        ...input,
        synchronousCommit: 'remote_write',
        serverVersion: 90500,
        maximumLagOnSyncnodeBytes: -1,
      }).picked,
    ).toEqual(['b']);
    expect(renderSynchronousStandbyNames(['b', 'a'], 90500)).toBe('a');
    expect(renderSynchronousStandbyNames(['first', 'x"y'], 150000)).toBe('2 ("first","x""y")');
    expect(renderSynchronousStandbyNames(['*', 'a'], 150000)).toBe('*');
  });
});

const unlocked3 = () => aCluster().withFormerLeader('pg1').withReplica('pg2').withReplica('pg3');
const moreCases: DecisionCase[] = [
  {
    name: 'old leader whose named candidate is unhealthy lets another healthy member take over ([4.x])',
    given: {
      me: 'pg1',
      cluster: unlocked3().withFailover({ leader: 'pg1', member: 'pg2' }),
      pg: pgReplica(),
      peers: { pg2: null },
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log warn: switchover: member pg2 is not reachable', 'peers.fetch-status pg3'],
  },
  {
    name: 'check_timeline: a candidate on an old timeline is not a failover target',
    given: {
      me: 'pg1',
      cluster: two()
        .withConfig({ check_timeline: true })
        .withHistory([[1, 5, 'x']])
        .withFailover({ leader: 'pg1' }),
      pg: pgPrimary({ timeline: 2 }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['log warn: switchover: no healthy members found, switchover is not possible'],
  },
  {
    name: 'quorum mode: a switchover without candidate needs quorum+1 healthy voters',
    given: {
      me: 'pg1',
      cluster: two()
        .withReplica('pg3')
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3'], 1)
        .withFailover({ leader: 'pg1' }),
      pg: pgPrimary(),
      state: leaderState,
      peers: { pg3: null },
    },
    summary: leaderMsg,
    includes: ['log warn: switchover: no healthy members found, switchover is not possible'],
  },
  {
    name: 'quorum mode: enough votes to race',
    given: {
      me: 'pg2',
      cluster: unlocked3().withConfig({ synchronous_mode: 'quorum' }).withSync('pg1', ['pg2', 'pg3'], 1),
      reloaded: aCluster().withLeader('pg2').withReplica('pg3'),
      peers: { pg1: null },
    },
    summary: 'promoted self to leader by acquiring session lock',
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
  {
    name: 'paused: the named candidate is unknown and I am not primary',
    given: { me: 'pg2', cluster: unlocked3().withConfig({ pause: true }).withFailover({ member: 'pg9' }) },
    summary: 'PAUSE: no action. I am (pg2)',
  },
  {
    name: 'sync mode: named candidate elsewhere and I am not in /sync',
    given: {
      me: 'pg3',
      cluster: unlocked3()
        .withConfig({ synchronous_mode: true })
        .withSync('pg1', ['pg2'])
        .withFailover({ member: 'pg2' }),
    },
    summary: 'following a different leader because i am not the healthiest node',
    excludes: ['peers.fetch-status'],
  },
];

describe('more edge cases', () => {
  it.each(moreCases)('$name', (row) => {
    checkCase(row);
  });
});

describe('/history (dcs.md §3.8)', () => {
  const history = [
    { parentTimeline: 1, switchLsn: asLsn(100), reason: 'no recovery target specified' },
    {
      parentTimeline: 2,
      switchLsn: asLsn(200),
      reason: 'no recovery target specified',
      fileModifiedAt: '2024-07-02T09:00:01+00:00',
    },
  ];
  it.each<DecisionCase>([
    {
      name: 'primary on timeline 3 publishes its history with promoted_at and its name',
      given: {
        me: 'pg1',
        cluster: two(),
        pg: { ...pgPrimary({ timeline: 3 }), timelineHistory: history },
        state: leaderState,
      },
      summary: leaderMsg,
      includes: ['dcs.set-history'],
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'dcs.set-history')).toMatchObject({
          value:
            '[[1,100,"no recovery target specified"],[2,200,"no recovery target specified","2024-07-02T09:00:01+00:00","pg1"]]',
        }),
    },
    {
      name: 'history already current: no write',
      given: {
        me: 'pg1',
        cluster: two().withHistory([[2, 200, 'x', 't', 'pg1']]),
        pg: { ...pgPrimary({ timeline: 3 }), timelineHistory: history },
        state: leaderState,
      },
      summary: leaderMsg,
      excludes: ['dcs.set-history'],
    },
    {
      name: 'timeline 1 with a stale history: reset to []',
      given: { me: 'pg1', cluster: two().withHistory([[1, 5, 'x']]), pg: pgPrimary(), state: leaderState },
      summary: leaderMsg,
      includes: ['dcs.set-history'],
    },
    {
      name: 'max_timelines_history keeps the newest lines, 5-element lines carried over',
      given: {
        me: 'pg1',
        cluster: two()
          .withConfig({ max_timelines_history: 1 })
          .withHistory([[1, 100, 'old', 'then', 'pg0']]),
        pg: { ...pgPrimary({ timeline: 3 }), timelineHistory: history },
        state: leaderState,
      },
      summary: leaderMsg,
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'dcs.set-history')).toMatchObject({
          value: '[[2,200,"no recovery target specified","2024-07-02T09:00:01+00:00","pg1"]]',
        }),
    },
  ])('$name', (row) => {
    checkCase(row);
  });
});

describe('small branches', () => {
  it.each<DecisionCase>([
    {
      name: 'use_slots off: no primary_slot_name and no slot reconciliation',
      given: { me: 'pg2', cluster: two().withConfig({ postgresql: { use_slots: false } }) },
      summary: replicaMsg,
      excludes: ['pg.sync-slots'],
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'pg.configure-follow')).toMatchObject({
          upstream: { slotName: null },
        }),
    },
    {
      name: 'standby cluster restoring from archive only: the remote has no conn_url',
      given: {
        me: 'pg1',
        cluster: aCluster()
          .withLeader('pg1')
          .withConfig({ standby_cluster: { restore_command: 'cp %f %p' } }),
        pg: pgReplica(),
        state: { role: 'standby_leader', leaderExpiryMs: NOW_MS + 1 },
      },
      summary: 'no action. I am (pg1), the standby leader with the lock',
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'pg.configure-follow')).toMatchObject({
          upstream: { name: 'remote_member', connUrl: null, restoreCommand: 'cp %f %p' },
        }),
    },
    {
      name: 'a peer answering without timeline still counts by position',
      given: {
        me: 'pg2',
        cluster: aCluster().withFormerLeader('pg1').withReplica('pg2').withReplica('pg3'),
        peers: {
          pg1: null,
          pg3: { role: 'replica', timeline: 'x', xlog: { received_location: LEADER_LSN + 5 } },
        },
      },
      summary: 'following a different leader because i am not the healthiest node',
    },
    {
      name: 'a leader without conn_url cannot be rewound from',
      given: {
        me: 'pg2',
        cluster: aCluster().withLeaderKeyOnly('pg1').withReplica('pg2'),
        pg: pgDown(),
        rewindUsable: true,
        state: { rewind: 'need' },
      },
      summary: 'starting as a secondary',
    },
    {
      name: 'primary without a known timeline does not touch /history',
      given: {
        me: 'pg1',
        cluster: two().withHistory([[1, 5, 'x']]),
        pg: pgPrimary({ timeline: 0 }),
        state: leaderState,
      },
      summary: leaderMsg,
      excludes: ['dcs.set-history'],
    },
    {
      name: 'sync mode with a primary whose status query failed: nothing changes',
      given: {
        me: 'pg1',
        cluster: two().withConfig({ synchronous_mode: true }).withSync('pg1', []),
        pg: { ...pgPrimary(), query: null },
        state: leaderState,
      },
      summary: leaderMsg,
      excludes: ['pg.set-synchronous-standby-names', 'dcs.write-sync'],
    },
  ])('$name', (row) => {
    checkCase(row);
  });
});

describe('nodes without REST or connection URLs', () => {
  it.each<DecisionCase>([
    {
      name: 'member key without conn_url/api_url when they are not configured',
      given: { me: 'pg2', cluster: two(), local: { connUrl: null, apiUrl: null } },
      summary: replicaMsg,
      verify: (run) => {
        const touch = run.effects.find((e) => e.kind === 'dcs.touch-member');
        expect(touch && 'data' in touch ? Object.keys(touch.data) : []).not.toContain('api_url');
      },
    },
    {
      name: 'failsafe payload with empty URLs when not configured',
      given: {
        me: 'pg1',
        cluster: two().withConfig({ failsafe_mode: true }),
        pg: pgPrimary(),
        local: { connUrl: null, apiUrl: null },
        state: {
          ...leaderState,
          cluster: two().withFailsafe({ pg1: 'a', pg2: 'http://pg2:8008/patroni' }).build(),
        },
        respond: { 'dcs.load-cluster': dcsDown() },
      },
      summary: 'continue to run as a leader because failsafe mode is enabled and all members are accessible',
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'peers.failsafe')).toMatchObject({
          payload: { conn_url: '', api_url: '' },
        }),
    },
  ])('$name', (row) => {
    checkCase(row);
  });
});
