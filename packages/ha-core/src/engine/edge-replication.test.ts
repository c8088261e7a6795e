/**
 * Engine edge cases: following, synchronous and quorum replication, failover candidates, and the slot and
 * synchronous-standby plans.
 */
import { describe, expect, it } from 'vitest';
import { desiredSlots } from './slots.js';
import { pickSyncStandbys, renderSynchronousStandbyNames } from './sync-standbys.js';
import { aCluster } from './test-support/cluster-builder.js';
import {
  leaderMsg,
  leaderState,
  replicaMsg,
  standbyConfig,
  two,
  unlocked3,
} from './test-support/edge-fixtures.js';
import { pgDown, pgPrimary, pgReplica, streaming } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const cases: DecisionCase[] = [
  // Following and synchronous replication
  {
    name: 'sync mode: restarting replica clears synchronous_standby_names',
    given: { me: 'pg2', cluster: two().withConfig({ synchronous_mode: true }), pg: pgDown() },
    summary: 'starting as a secondary',
    includes: ['pg.set-synchronous-standby-names (none)'],
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
  // Failover candidates and quorum
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

describe('edge cases: replication and failover candidates', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
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
    // 4.x member_slots_ttl (default 1800 s): pg2 is a member slot kept on every replica, advanced from
    // /status.slots (xlog_location only counts for replicatefrom members); the logical one is kept unadvanced.
    expect(replica.desired.slots.pg2).toEqual({ type: 'physical', expectedActive: false });
    expect(replica.desired.slots.logi).toEqual({ type: 'logical', database: 'd', plugin: 'p' });
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
