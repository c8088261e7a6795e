import { describe, expect, it } from 'vitest';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { pgPrimary, pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

/** pg1's key expired; pg2 and pg3 stream with the given lags. */
const leaderless = (lag2 = 0, lag3 = 0) =>
  aCluster()
    .withFormerLeader('pg1')
    .withReplica('pg2', { lagBytes: lag2 })
    .withReplica('pg3', { lagBytes: lag3 });
const pg2Leads = () => aCluster().withLeader('pg2').withReplica('pg3');
const pg3Leads = () => aCluster().withLeader('pg3').withReplica('pg2');
const pg1Down = { pg1: null };

const cases: DecisionCase[] = [
  {
    name: 'healthiest replica wins the race and promotes',
    given: { me: 'pg2', cluster: leaderless(0, 1000), reloaded: pg2Leads(), pg: pgReplica(), peers: pg1Down },
    summary: 'promoted self to leader by acquiring session lock',
    actions: [
      'peers.fetch-status pg1,pg3',
      'dcs.acquire-leader',
      'dcs.load-cluster',
      'dcs.renew-leader',
      'action.start promote',
      'pg.sync-slots [pg3]',
    ].filter((line) => line !== 'dcs.renew-leader'),
  },
  {
    name: 'race lost to a faster node: follow it',
    given: {
      me: 'pg2',
      cluster: leaderless(),
      reloaded: pg3Leads(),
      peers: pg1Down,
      respond: { 'dcs.acquire-leader': false },
    },
    summary: 'following new leader after trying and failing to obtain lock',
    includes: ['dcs.acquire-leader', 'dcs.load-cluster', 'pg.configure-follow pg3'],
  },
  {
    name: 'a peer ahead of me: not the healthiest',
    given: {
      me: 'pg2',
      cluster: leaderless(1000, 0),
      reloaded: pg3Leads(),
      pg: pgReplica({ lagBytes: 1000 }),
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: Wal position of pg3 is ahead of my wal position'],
    excludes: ['dcs.acquire-leader', 'sleep'],
  },
  {
    name: 'nofailover never races and waits for the winner',
    given: { me: 'pg2', cluster: leaderless(), tags: { nofailover: true }, peers: pg1Down },
    summary: 'following a different leader because I am not allowed to promote',
    actions: ['sleep 2000ms', 'dcs.load-cluster', 'pg.configure-follow none', 'pg.sync-slots []'],
  },
  {
    name: 'failover_priority 0 counts as nofailover',
    given: { me: 'pg2', cluster: leaderless(), tags: { failover_priority: 0 }, peers: pg1Down },
    summary: 'following a different leader because I am not allowed to promote',
  },
  {
    name: 'lagging more than maximum_lag_on_failover',
    given: { me: 'pg2', cluster: leaderless(2_000_000), pg: pgReplica({ lagBytes: 2_000_000 }) },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: My wal position exceeds maximum replication lag'],
    excludes: ['peers.fetch-status'],
  },
  {
    name: 'former primary still answers as primary',
    given: { me: 'pg2', cluster: leaderless() },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log warn: Primary (pg1) is still alive'],
  },
  {
    name: 'equal position but a peer has a higher failover_priority',
    given: {
      me: 'pg2',
      cluster: leaderless().withReplica('pg3', { tags: { failover_priority: 5 } }),
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: [
      'log info: pg3 has equally tolerable WAL position and priority 5, while this node has priority 1',
    ],
  },
  {
    name: 'a peer ahead of me that reports nofailover in its own /patroni is ignored',
    given: {
      me: 'pg2',
      cluster: leaderless(),
      reloaded: pg2Leads(),
      peers: {
        pg1: null,
        pg3: { role: 'replica', tags: { nofailover: true }, xlog: { received_location: LEADER_LSN + 10 } },
      },
    },
    summary: 'promoted self to leader by acquiring session lock',
  },
  {
    name: 'a watchdog_failed peer is not counted',
    given: {
      me: 'pg2',
      cluster: leaderless(),
      reloaded: pg2Leads(),
      peers: {
        pg1: null,
        pg3: { role: 'replica', watchdog_failed: true, xlog: { received_location: LEADER_LSN + 10 } },
      },
    },
    summary: 'promoted self to leader by acquiring session lock',
  },
  {
    name: 'my timeline is behind the cluster timeline',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withConfig({ check_timeline: true })
        .withHistory([[1, 5000, 'no recovery target specified']]),
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: My timeline 1 is behind last known cluster timeline 2'],
  },
  {
    name: 'unknown timeline cannot race',
    given: {
      me: 'pg2',
      cluster: leaderless().withConfig({ check_timeline: true }),
      pg: pgReplica({ timeline: null }),
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: Can not figure out my timeline'],
  },
  {
    name: 'a primary that lost its key races and keeps running',
    given: {
      me: 'pg1',
      cluster: leaderless(),
      reloaded: aCluster().withLeader('pg1').withReplica('pg2'),
      pg: pgPrimary(),
      state: { role: 'primary' },
    },
    summary: 'acquired session lock as a leader',
    includes: ['dcs.acquire-leader', 'dcs.load-cluster'],
    excludes: ['action.start', 'peers.fetch-status'],
  },
  {
    name: 'a primary on an older timeline than the cluster does not race',
    given: {
      me: 'pg1',
      cluster: leaderless().withHistory([[1, 5000, 'no recovery target specified']]),
      pg: pgPrimary({ timeline: 1 }),
      state: { role: 'primary' },
    },
    summary: 'demoting self because i am not the healthiest node',
    includes: ['pg.stop immediate'],
  },
  {
    name: 'paused replica does not race',
    given: { me: 'pg2', cluster: leaderless().withConfig({ pause: true }), peers: pg1Down },
    summary: 'PAUSE: no action. I am (pg2)',
    excludes: ['dcs.acquire-leader', 'pg.configure-follow'],
  },
  {
    name: 'paused running primary without key races when /initialize matches',
    given: {
      me: 'pg1',
      cluster: leaderless().withConfig({ pause: true }),
      reloaded: aCluster().withLeader('pg1').withConfig({ pause: true }),
      pg: pgPrimary(),
      state: { role: 'primary' },
    },
    summary: 'PAUSE: acquired session lock as a leader',
  },
  {
    name: 'pre_promote failure backoff blocks the race for ttl',
    given: {
      me: 'pg2',
      cluster: leaderless(),
      state: { releasedLeaderKeyAtMs: NOW_MS - 5000 },
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    excludes: ['peers.fetch-status', 'dcs.acquire-leader'],
  },
  {
    name: 'failsafe topology without me: no race',
    given: {
      me: 'pg3',
      cluster: leaderless()
        .withConfig({ failsafe_mode: true })
        .withFailsafe({ pg1: 'http://pg1:8008/patroni', pg2: 'http://pg2:8008/patroni' }),
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: Not racing: I (pg3) am not in the failsafe topology'],
  },
  {
    name: 'failsafe entries count as candidates even without member keys',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withoutMember('pg3')
        .withConfig({ failsafe_mode: true })
        .withFailsafe({ pg2: 'http://pg2:8008/patroni', pg4: 'http://pg4:8008/patroni' }),
      peers: { pg1: null, pg4: { role: 'replica', xlog: { received_location: LEADER_LSN + 1 } } },
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['peers.fetch-status pg1,pg4'],
  },
  {
    name: 'watchdog required but unusable: no race',
    given: { me: 'pg2', cluster: leaderless(), local: { watchdogMode: 'required' }, watchdogUsable: false },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log warn: Watchdog device is not usable'],
  },
  {
    name: 'synchronous mode: an async replica may not race',
    given: {
      me: 'pg3',
      cluster: leaderless().withConfig({ synchronous_mode: true }).withSync('pg1', ['pg2']),
    },
    summary: 'following a different leader because i am not the healthiest node',
    excludes: ['peers.fetch-status'],
  },
  {
    name: 'synchronous mode: the sync standby races against /sync members only, former leader ahead ignored',
    given: {
      me: 'pg2',
      cluster: leaderless(0, 0).withConfig({ synchronous_mode: true }).withSync('pg1', ['pg2']),
      reloaded: pg2Leads().withConfig({ synchronous_mode: true }).withSync('pg1', ['pg2']),
      peers: { pg1: { role: 'replica', xlog: { received_location: LEADER_LSN + 100 } } },
    },
    summary: 'promoted self to leader by acquiring session lock',
    includes: [
      'peers.fetch-status pg1',
      'dcs.acquire-leader',
      'dcs.write-sync leader=pg2 standbys=[]',
      'pg.set-synchronous-standby-names (none)',
      'action.start promote',
    ],
  },
  {
    name: 'synchronous mode: promotion postponed when /sync changed under us',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withConfig({ synchronous_mode: true, synchronous_mode_strict: true })
        .withSync('pg1', ['pg2']),
      reloaded: pg2Leads().withConfig({ synchronous_mode: true }).withSync('pg1', ['pg2']),
      peers: pg1Down,
      respond: { 'dcs.write-sync': null },
    },
    summary: 'Postponing promotion because synchronous replication state was updated by somebody else',
    excludes: ['action.start'],
  },
  {
    name: 'quorum mode: not enough votes',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg4')
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3', 'pg4'], 2),
      peers: { pg1: null, pg3: null, pg4: null },
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ["log info: Quorum requirement 2 can't be reached"],
  },
  // [4.x] `low_priority and (not sync_mode_is_active() or quorum_vote)`: with sync mode active only a voter
  // outranks me. The sim found a voter deferring to a non-voter that could not win (seed 2000): no leader.
  {
    name: 'quorum mode: a voter does not defer to a higher-priority non-voter',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg4', { tags: { failover_priority: 5 } })
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3'], 1),
      reloaded: pg2Leads().withConfig({ synchronous_mode: 'quorum' }).withSync('pg1', ['pg2', 'pg3'], 1),
      peers: pg1Down,
    },
    summary: 'promoted self to leader by acquiring session lock',
    includes: ['dcs.acquire-leader', 'action.start promote'],
    excludes: ['log info: pg4 has equally tolerable WAL position'],
  },
  {
    name: 'quorum mode: a voter defers to a higher-priority voter',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg3', { tags: { failover_priority: 5 } })
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3'], 1),
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: [
      'log info: pg3 has equally tolerable WAL position and priority 5, while this node has priority 1',
    ],
  },
  {
    name: 'synchronous_mode on: priority is not compared among /sync nodes (4.x)',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg3', { tags: { failover_priority: 5 } })
        .withConfig({ synchronous_mode: true })
        .withSync('pg1', ['pg2', 'pg3']),
      reloaded: pg2Leads().withConfig({ synchronous_mode: true }).withSync('pg1', ['pg2', 'pg3']),
      peers: pg1Down,
    },
    summary: 'promoted self to leader by acquiring session lock',
    excludes: ['log info: pg3 has equally tolerable WAL position'],
  },
  {
    name: 'quorum mode: the former /sync.leader passes without votes when nobody is ahead',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg4')
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg2', ['pg3', 'pg4'], 2),
      reloaded: pg2Leads().withConfig({ synchronous_mode: 'quorum' }).withSync('pg2', ['pg3', 'pg4'], 2),
      peers: { pg1: null, pg3: null, pg4: null },
    },
    summary: 'promoted self to leader by acquiring session lock',
    excludes: ["log info: Quorum requirement 2 can't be reached"],
  },
  {
    name: 'quorum mode: an unreachable-position voter (0) neither votes nor outranks',
    given: {
      me: 'pg2',
      cluster: leaderless().withConfig({ synchronous_mode: 'quorum' }).withSync('pg1', ['pg2', 'pg3'], 1),
      peers: {
        pg1: null,
        pg3: { role: 'replica', tags: { failover_priority: 9 }, xlog: { received_location: 0 } },
      },
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ["log info: Quorum requirement 1 can't be reached"],
    excludes: ['log info: pg3 has equally tolerable WAL position'],
  },
  // Not Patroni (a safe extra): a node missing from /failsafe cannot race, so its priority must not make
  // everyone else wait for it (sim seeds 1576, 2309, 2972, 3033: no leader ever).
  {
    name: 'failsafe: a higher-priority node missing from /failsafe does not outrank me',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg3', { tags: { failover_priority: 5 } })
        .withConfig({ failsafe_mode: true })
        .withFailsafe({ pg1: 'http://pg1:8008/patroni', pg2: 'http://pg2:8008/patroni' }),
      reloaded: pg2Leads().withConfig({ failsafe_mode: true }),
      peers: pg1Down,
    },
    summary: 'promoted self to leader by acquiring session lock',
    excludes: ['log info: pg3 has equally tolerable WAL position'],
  },
  {
    name: 'failsafe: a higher-priority node listed in /failsafe still outranks me',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg3', { tags: { failover_priority: 5 } })
        .withConfig({ failsafe_mode: true })
        .withFailsafe({ pg2: 'http://pg2:8008/patroni', pg3: 'http://pg3:8008/patroni' }),
      peers: pg1Down,
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: [
      'log info: pg3 has equally tolerable WAL position and priority 5, while this node has priority 1',
    ],
  },
];

describe('leader race (ha-loop.md §6.2, §7.2)', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });

  it('never promotes without the key: a lost acquire does not start promote', () => {
    const run = checkCase({
      name: 'lost',
      given: { me: 'pg2', cluster: leaderless(), peers: pg1Down, respond: { 'dcs.acquire-leader': false } },
      summary: 'following new leader after trying and failing to obtain lock',
    });
    expect(run.lines.some((l) => l.startsWith('action.start promote'))).toBe(false);
  });
});
