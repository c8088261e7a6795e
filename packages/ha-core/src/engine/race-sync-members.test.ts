import { describe, it } from 'vitest';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

// ha-loop.md §7.2 step 9 and §7.4 step 4 ([4.x], Patroni's `is_healthiest_node` and
// `manual_failover_process_no_leader`): with sync mode active, quorum mode included, the race compares only
// with /sync's members. A node outside /sync may be ahead (a former primary back after a crash with WAL nobody
// acknowledged); deferring to it while it cannot win (here: missing from /failsafe) left a 6-node cluster
// without a leader for good (sim seed 1576).

const QUORUM = { synchronous_mode: 'quorum', failsafe_mode: true } as const;
const FAILSAFE = {
  pg1: 'http://pg1:8008/patroni',
  pg2: 'http://pg2:8008/patroni',
  pg3: 'http://pg3:8008/patroni',
};
/** pg4 is back with WAL past everyone's (it crashed as primary before the last election). */
const pg4Ahead = { role: 'replica', xlog: { received_location: LEADER_LSN + 500 } };

/** The former leader pg1 is gone; pg2 and pg3 are the voters (quorum 1); pg4 is outside /sync and /failsafe. */
const leaderless = () =>
  aCluster()
    .withFormerLeader('pg1')
    .withReplica('pg2')
    .withReplica('pg3')
    .withReplica('pg4')
    .withConfig(QUORUM)
    .withSync('pg1', ['pg2', 'pg3'], 1)
    .withFailsafe(FAILSAFE);
const pg2Leads = () =>
  aCluster()
    .withLeader('pg2')
    .withReplica('pg3')
    .withReplica('pg4')
    .withConfig(QUORUM)
    .withSync('pg1', ['pg2', 'pg3'], 1);

const cases: DecisionCase[] = [
  {
    name: 'quorum mode: a voter does not defer to a node outside /sync that is ahead',
    given: { me: 'pg2', cluster: leaderless(), reloaded: pg2Leads(), peers: { pg1: null, pg4: pg4Ahead } },
    summary: 'promoted self to leader by acquiring session lock',
    includes: ['peers.fetch-status pg1,pg3', 'dcs.acquire-leader', 'action.start promote'],
    excludes: ['log info: Wal position of pg4 is ahead of my wal position'],
  },
  {
    name: 'quorum mode: the node outside /sync and /failsafe does not race',
    given: { me: 'pg4', cluster: leaderless(), peers: { pg1: null } },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: Not racing: I (pg4) am not in the failsafe topology'],
    excludes: ['peers.fetch-status', 'dcs.acquire-leader'],
  },
  {
    name: 'quorum mode without failsafe: a node outside /sync still races on the voters’ votes',
    given: { me: 'pg4', cluster: leaderless().withConfig({ failsafe_mode: false }), peers: { pg1: null } },
    summary: 'promoted self to leader by acquiring session lock',
    includes: ['peers.fetch-status pg1,pg2,pg3', 'dcs.acquire-leader', 'action.start promote'],
  },
  {
    name: 'quorum mode: a /sync voter ahead of me still wins over me',
    given: {
      me: 'pg2',
      cluster: leaderless(),
      peers: { pg1: null, pg3: { role: 'replica', xlog: { received_location: LEADER_LSN + 10 } } },
    },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: Wal position of pg3 is ahead of my wal position'],
    excludes: ['dcs.acquire-leader'],
  },
  {
    name: 'quorum mode, manual failover to an unreachable member: compare with /sync members only',
    given: {
      me: 'pg2',
      cluster: leaderless()
        .withReplica('pg5')
        .withSync('pg1', ['pg2', 'pg3', 'pg5'], 1)
        .withFailover({ member: 'pg3' }),
      reloaded: pg2Leads(),
      peers: { pg1: null, pg3: null, pg4: pg4Ahead },
    },
    summary: 'promoted self to leader by acquiring session lock',
    includes: [
      'peers.fetch-status pg3',
      'log warn: manual failover: member pg3 is not reachable',
      'peers.fetch-status pg1,pg3,pg5',
      'dcs.acquire-leader',
    ],
    excludes: ['log info: Wal position of pg4 is ahead of my wal position'],
  },
];

describe('leader race with sync mode active compares with /sync members only (§7.2 step 9, §7.4 step 4)', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
