import { describe, expect, it } from 'vitest';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { dcsDown, NOW_MS } from './test-support/drive.js';
import { pgDown, pgPrimary, pgReplica, streaming } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };
const syncCluster = () =>
  aCluster().withLeader('pg1').withReplica('pg2').withReplica('pg3').withConfig({ synchronous_mode: true });
const leaderMsg = 'no action. I am (pg1), the leader with the lock';

const syncCases: DecisionCase[] = [
  {
    name: 'sync mode turned on: claim /sync first',
    given: { me: 'pg1', cluster: syncCluster(), pg: pgPrimary(), state: leaderState },
    summary: leaderMsg,
    includes: ['dcs.write-sync leader=pg1 standbys=[]', 'log info: Enabled synchronous replication'],
  },
  {
    name: 'a streaming replica is put into synchronous_standby_names (PG before DCS)',
    given: {
      me: 'pg1',
      cluster: syncCluster().withSync('pg1', []),
      pg: pgPrimary({ replication: [streaming('pg2'), streaming('pg3', { lsn: LEADER_LSN - 10 })] }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['pg.set-synchronous-standby-names pg2'],
    excludes: ['dcs.write-sync'],
  },
  {
    name: 'a confirmed sync standby is written to /sync',
    given: {
      me: 'pg1',
      cluster: syncCluster().withSync('pg1', []),
      pg: pgPrimary({ replication: [streaming('pg2', { syncState: 'sync' })], ssn: 'pg2' }),
      state: { ...leaderState, syncNamesChangedAtLsn: LEADER_LSN - 5 },
    },
    summary: leaderMsg,
    actions: ['dcs.renew-leader', 'dcs.write-sync leader=pg1 standbys=[pg2]', 'pg.sync-slots [pg2,pg3]'],
  },
  {
    name: 'sync standby gone: shrink /sync before changing PG',
    given: {
      me: 'pg1',
      cluster: syncCluster().withSync('pg1', ['pg2']),
      pg: pgPrimary({ replication: [streaming('pg3', { syncState: 'potential' })], ssn: 'pg2' }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['dcs.write-sync leader=pg1 standbys=[]', 'pg.set-synchronous-standby-names pg3'],
  },
  {
    name: 'strict mode without standbys: *',
    given: {
      me: 'pg1',
      cluster: syncCluster().withConfig({ synchronous_mode_strict: true }).withSync('pg1', ['pg2']),
      pg: pgPrimary({ ssn: 'pg2' }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: [
      'dcs.write-sync leader=pg1 standbys=[]',
      'log warn: No standbys available!',
      'pg.set-synchronous-standby-names *',
    ],
  },
  {
    name: 'shrinking /sync lost a CAS: stop there',
    given: {
      me: 'pg1',
      cluster: syncCluster().withSync('pg1', ['pg2']),
      pg: pgPrimary({ replication: [streaming('pg3')], ssn: 'pg2' }),
      state: leaderState,
      respond: { 'dcs.write-sync': null },
    },
    summary: leaderMsg,
    includes: ['log info: Synchronous replication key updated by someone else.'],
    excludes: ['pg.set-synchronous-standby-names'],
  },
  {
    name: 'sync mode turned off: delete /sync and restore the user value',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withReplica('pg2').withSync('pg1', ['pg2']),
      pg: pgPrimary({ ssn: 'pg2' }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: [
      'dcs.delete-sync',
      'log info: Disabled synchronous replication',
      'pg.set-synchronous-standby-names (none)',
    ],
  },
  // The sim found (seed 2621) that the pre-promote '*' was not recorded: the first /sync after promotion then
  // confirmed a standby against a stale LSN although it had not caught up with the new primary's WAL.
  {
    name: "pre-promote in strict mode sets '*' and records the LSN standbys must reach to be confirmed",
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: true, synchronous_mode_strict: true })
        .withSync('pg1', ['pg2']),
      pg: pgReplica({ lagBytes: 100 }),
      state: { role: 'replica', leaderExpiryMs: NOW_MS + 20_000, syncNamesChangedAtLsn: 5 },
    },
    summary: 'promoted self to leader because I had the session lock',
    includes: [
      'dcs.write-sync leader=pg2 standbys=[]',
      'pg.set-synchronous-standby-names *',
      'action.start promote',
    ],
    verify: (run) => {
      expect(run.outcome.state.syncNamesChangedAtLsn).toBe(LEADER_LSN - 100);
      expect(run.outcome.state.syncNamesSet).toEqual(['*']);
    },
  },
  {
    name: "after promotion under '*', a standby behind the pre-promote LSN is not confirmed into /sync",
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: true, synchronous_mode_strict: true })
        .withSync('pg2', []),
      pg: pgPrimary({
        replication: [streaming('pg3', { syncState: 'sync', lsn: LEADER_LSN - 200 })],
        ssn: '*',
      }),
      state: { ...leaderState, syncNamesChangedAtLsn: LEADER_LSN - 100 },
    },
    summary: 'no action. I am (pg2), the leader with the lock',
    includes: ['pg.set-synchronous-standby-names pg3'],
    excludes: ['dcs.write-sync'],
  },
  {
    name: 'pre-promote in non-strict sync mode clears the GUC and records that too',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: true })
        .withSync('pg1', ['pg2']),
      pg: pgReplica(),
      state: { role: 'replica', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'promoted self to leader because I had the session lock',
    includes: ['pg.set-synchronous-standby-names (none)', 'action.start promote'],
    verify: (run) => {
      expect(run.outcome.state.syncNamesChangedAtLsn).toBe(LEADER_LSN);
      expect(run.outcome.state.syncNamesSet).toEqual([]);
    },
  },
];

const standbyConfig = {
  standby_cluster: { host: 'remote.example', port: 5433, primary_slot_name: 'standby_slot' },
};
const standbyCases: DecisionCase[] = [
  {
    name: 'standby leader with the lock keeps following the remote',
    given: {
      me: 'pg1',
      cluster: aCluster()
        .withLeader('pg1', { role: 'standby_leader' })
        .withReplica('pg2')
        .withConfig(standbyConfig),
      pg: pgReplica(),
      state: { role: 'standby_leader', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'no action. I am (pg1), the standby leader with the lock',
    includes: ['dcs.renew-leader', 'dcs.load-cluster', 'pg.configure-follow remote_member'],
  },
  {
    name: 'lock holder becomes standby leader',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withReplica('pg2').withConfig(standbyConfig),
      pg: pgReplica(),
      state: { role: 'replica' },
    },
    summary: 'promoted self to a standby leader because i had the session lock',
    includes: ['callback on_role_change standby_leader'],
    verify: (run) => expect(run.outcome.state.role).toBe('standby_leader'),
  },
  {
    name: 'a primary in a standby cluster is demoted',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withReplica('pg2').withConfig(standbyConfig),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: 'cannot be a real primary in standby cluster',
  },
  {
    name: 'standby cluster replica follows the standby leader',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg1', { role: 'standby_leader' })
        .withReplica('pg2')
        .withConfig(standbyConfig),
    },
    summary: 'no action. I am (pg2), a secondary, and following a standby leader (pg1)',
    includes: ['pg.configure-follow pg1'],
  },
  {
    name: 'standby cluster race winner becomes standby leader',
    given: {
      me: 'pg2',
      cluster: aCluster().withFormerLeader('pg1').withReplica('pg2').withConfig(standbyConfig),
      reloaded: aCluster().withLeader('pg2').withConfig(standbyConfig),
      peers: { pg1: null },
    },
    summary: 'promoted self to a standby leader by acquiring session lock',
    includes: ['pg.configure-follow remote_member'],
    excludes: ['action.start promote'],
  },
  {
    name: 'standby cluster, stopped replica without a leader follows the remote',
    given: { me: 'pg2', cluster: aCluster().withReplica('pg2').withConfig(standbyConfig), pg: pgDown() },
    summary: 'trying to follow a remote member because standby cluster is unhealthy',
    includes: ['action.start restarting after failure (replica <- remote_member)'],
  },
  {
    name: 'standby leader with Postgres down restarts as standby leader',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withConfig(standbyConfig),
      pg: pgDown(),
      state: { role: 'standby_leader', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'starting as a standby leader because i had the session lock',
    includes: ['action.start restarting after failure (standby_leader <- remote_member)'],
  },
];

const failsafeCluster = () =>
  aCluster()
    .withLeader('pg1')
    .withReplica('pg2')
    .withConfig({ failsafe_mode: true })
    .withFailsafe({ pg1: 'http://pg1:8008/patroni', pg2: 'http://pg2:8008/patroni' });

const failsafeCases: DecisionCase[] = [
  {
    name: 'DCS down, all failsafe members accept: keep running as leader',
    given: {
      me: 'pg1',
      cluster: failsafeCluster(),
      pg: pgPrimary(),
      state: { ...leaderState, cluster: failsafeCluster().build() },
      respond: { 'dcs.load-cluster': dcsDown() },
    },
    summary: 'continue to run as a leader because failsafe mode is enabled and all members are accessible',
    actions: ['peers.failsafe pg2'],
    verify: (run) => {
      expect(run.outcome.state.failsafeActiveSinceMs).toBe(NOW_MS);
      expect(run.outcome.state.leaderExpiryMs).toBe(NOW_MS + 30_000);
    },
  },
  {
    name: 'DCS still down on the next cycle (no snapshot left): the last /failsafe keeps the leader running',
    given: {
      me: 'pg1',
      cluster: failsafeCluster(),
      pg: pgPrimary(),
      state: {
        ...leaderState,
        cluster: null,
        lastKnownFailsafe: { pg1: 'http://pg1:8008/patroni', pg2: 'http://pg2:8008/patroni' },
        failsafeActiveSinceMs: NOW_MS - 4_000,
      },
      respond: { 'dcs.load-cluster': dcsDown() },
    },
    summary: 'continue to run as a leader because failsafe mode is enabled and all members are accessible',
    actions: ['peers.failsafe pg2'],
  },
  {
    name: 'DCS down, a failsafe member does not answer: demote offline',
    given: {
      me: 'pg1',
      cluster: failsafeCluster(),
      pg: pgPrimary(),
      state: { ...leaderState, cluster: failsafeCluster().build() },
      respond: { 'dcs.load-cluster': dcsDown(), 'peers.failsafe': [false] },
    },
    summary: 'demoted self because DCS is not accessible and I was a leader',
    includes: ['peers.failsafe pg2', 'pg.stop fast'],
  },
  {
    name: 'DCS down, I am not in /failsafe: demote offline',
    given: {
      me: 'pg1',
      cluster: failsafeCluster(),
      pg: pgPrimary(),
      state: {
        ...leaderState,
        cluster: failsafeCluster().withFailsafe({ pg2: 'http://pg2:8008/patroni' }).build(),
      },
      respond: { 'dcs.load-cluster': dcsDown() },
    },
    summary: 'demoted self because DCS is not accessible and I was a leader',
    excludes: ['peers.failsafe'],
  },
  {
    name: 'replica keeps following a primary that POSTed /failsafe while the key is gone',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg2').withConfig({ failsafe_mode: true }),
      failsafeReceived: {
        payload: {
          name: 'pg1',
          conn_url: 'postgres://pg1:5432/postgres',
          api_url: 'http://pg1:8008/patroni',
        },
        receivedAtMs: NOW_MS - 5000,
      },
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    excludes: ['dcs.acquire-leader'],
  },
  {
    name: 'leader in failsafe mode writes /failsafe with renewal and resets failsafe state',
    given: {
      me: 'pg1',
      cluster: failsafeCluster(),
      pg: pgPrimary(),
      state: { ...leaderState, failsafeActiveSinceMs: NOW_MS - 1 },
    },
    summary: leaderMsg,
    verify: (run) => expect(run.outcome.state.failsafeActiveSinceMs).toBe(0),
  },
];

const pauseCases: DecisionCase[] = [
  {
    name: 'paused primary without the lock keeps running',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg1').withConfig({ pause: true }),
      pg: pgPrimary(),
      state: { role: 'primary' },
    },
    summary: 'PAUSE: continue to run as primary without lock',
    excludes: ['pg.stop'],
  },
  {
    name: 'paused leader renews and publishes pause',
    given: {
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withConfig({ pause: true }),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: `PAUSE: ${leaderMsg}`,
    verify: (run) => {
      const touch = run.effects.find((e) => e.kind === 'dcs.touch-member');
      expect(touch).toMatchObject({ data: { pause: true, role: 'primary' } });
      expect(run.lines).toContain('pg.sync-slots []');
      const slots = run.effects.find((e) => e.kind === 'pg.sync-slots');
      expect(slots).toMatchObject({ desired: { dropUnknown: false } });
    },
  },
  {
    name: 'resumed after pause: divergence re-verified',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg1').withReplica('pg2'),
      state: { wasPaused: true, rewind: 'failed' },
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    verify: (run) => expect(run.outcome.state.rewind).toBe('initial'),
  },
];

const scheduledRestart = (atMs: number, extra: Record<string, unknown> = {}) => ({
  atMs,
  raw: { schedule: '2023-11-14T22:13:20+00:00', ...extra },
  postmasterStartTime: null,
  role: null,
  postgresVersionNum: null,
  restartPending: false,
  timeoutMs: null,
  ...extra,
});

const restartCases: DecisionCase[] = [
  {
    name: 'scheduled restart due: restart initiated',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg1').withReplica('pg2'),
      scheduledRestart: scheduledRestart(NOW_MS),
    },
    summary: 'restart initiated',
    includes: ['scheduled-restart.clear', 'action.start restart (replica <- pg1)'],
    verify: (run) => expect(run.outcome.state.recovering).toBe(true),
  },
  {
    name: 'scheduled restart in the future: wait',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg1').withReplica('pg2'),
      scheduledRestart: scheduledRestart(NOW_MS + 600_000),
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    excludes: ['scheduled-restart.clear'],
  },
  {
    name: 'scheduled restart with a role filter that does not match: dropped',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg1').withReplica('pg2'),
      scheduledRestart: scheduledRestart(NOW_MS, { role: 'primary' }),
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    includes: ['scheduled-restart.clear', 'log warn: restart conditions are not satisfied: role primary'],
  },
  {
    name: 'postmaster restarted since scheduling: cancelled',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg1').withReplica('pg2'),
      scheduledRestart: scheduledRestart(NOW_MS, { postmasterStartTime: '2020-01-01 00:00:00+00' }),
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    includes: ['log warn: Cancelling scheduled restart: postgres restart has already happened'],
  },
];

const slotCases: DecisionCase[] = [
  {
    name: 'cascading replica keeps a slot for the member replicating from it; primary does not',
    given: {
      me: 'pg1',
      cluster: aCluster()
        .withLeader('pg1')
        .withReplica('pg2')
        .withReplica('pg3', { tags: { replicatefrom: 'pg2' } })
        .withReplica('pg4', { tags: { nostream: true } })
        .withConfig({ member_slots_ttl: 0 }),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['pg.sync-slots [pg2]'],
  },
  {
    name: 'replica with a cascade',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg1')
        .withReplica('pg2')
        .withReplica('pg3', { tags: { replicatefrom: 'pg2' } })
        .withConfig({ member_slots_ttl: 0 }),
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    includes: ['pg.sync-slots [pg3]'],
  },
  {
    name: 'replicatefrom member follows that member',
    given: {
      me: 'pg3',
      cluster: aCluster()
        .withLeader('pg1')
        .withReplica('pg2')
        .withReplica('pg3', { tags: { replicatefrom: 'pg2' } }),
      tags: { replicatefrom: 'pg2' },
    },
    summary: 'no action. I am (pg3), a secondary, and following a leader (pg1)',
    includes: ['pg.configure-follow pg2'],
  },
  {
    name: 'permanent slots: physical on every node, logical kept but copied only with a known position',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg1')
        .withReplica('pg2')
        .withConfig({
          slots: {
            keep: { type: 'physical' },
            cdc: { type: 'logical', database: 'app', plugin: 'pgoutput' },
            pg2: { type: 'physical' },
          },
          member_slots_ttl: 0,
        })
        .withStatus({ optime: LEADER_LSN, slots: { keep: 500 } }),
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    // cdc has no published position: kept if present, neither copied nor advanced.
    includes: ['pg.sync-slots [cdc,keep]'],
  },
];

describe('synchronous replication on the primary (ha-loop.md §11)', () => {
  it.each(syncCases)('$name', (row) => {
    checkCase(row);
  });
});
describe('standby cluster (ha-loop.md §14.4)', () => {
  it.each(standbyCases)('$name', (row) => {
    checkCase(row);
  });
});
describe('failsafe mode (ha-loop.md §9)', () => {
  it.each(failsafeCases)('$name', (row) => {
    checkCase(row);
  });
});
describe('pause (ha-loop.md §12.2)', () => {
  it.each(pauseCases)('$name', (row) => {
    checkCase(row);
  });
});
describe('scheduled restart (ha-loop.md §12.3)', () => {
  it.each(restartCases)('$name', (row) => {
    checkCase(row);
  });
});
describe('replication slots (ha-loop.md §13)', () => {
  it.each(slotCases)('$name', (row) => {
    checkCase(row);
  });
});
