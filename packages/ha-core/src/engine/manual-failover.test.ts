import { describe, it } from 'vitest';
import { aCluster } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { pgPrimary, pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

// NOW_MS is 2023-11-14T22:13:20Z.
const IN_AN_HOUR = '2023-11-14T23:13:20+00:00';
const IN_5_SECONDS = '2023-11-14T22:13:25+00:00';
const A_MINUTE_AGO = '2023-11-14T22:12:20+00:00';

const cluster = () => aCluster().withLeader('pg1').withReplica('pg2').withReplica('pg3');
const onLeader = {
  me: 'pg1',
  pg: pgPrimary(),
  state: { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 },
};
const unlocked = () => aCluster().withFormerLeader('pg1').withReplica('pg2').withReplica('pg3');

const leaderSide: DecisionCase[] = [
  {
    name: 'switchover to a healthy candidate: graceful demotion',
    given: { ...onLeader, cluster: cluster().withFailover({ leader: 'pg1', member: 'pg2' }) },
    summary: 'switchover: demoting myself',
    actions: [
      'dcs.renew-leader',
      'peers.fetch-status pg2',
      'watchdog.disable',
      'action.start switchover: demote',
    ],
  },
  {
    name: 'switchover without a candidate: any healthy member will do',
    given: { ...onLeader, cluster: cluster().withFailover({ leader: 'pg1' }) },
    summary: 'switchover: demoting myself',
    includes: ['peers.fetch-status pg2,pg3'],
  },
  {
    name: 'manual failover named on the leader',
    given: { ...onLeader, cluster: cluster().withFailover({ member: 'pg3' }) },
    summary: 'manual failover: demoting myself',
    includes: ['action.start manual failover: demote'],
  },
  {
    name: 'unhealthy candidate: refuse and clear the request',
    given: {
      ...onLeader,
      cluster: cluster().withFailover({ leader: 'pg1', member: 'pg2' }),
      peers: { pg2: null },
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: [
      'log warn: switchover: no healthy members found, switchover is not possible',
      'dcs.set-failover {} (cas)',
    ],
  },
  {
    name: 'lagging candidate is not a failover target',
    given: {
      ...onLeader,
      cluster: cluster()
        .withReplica('pg2', { lagBytes: 5_000_000 })
        .withFailover({ leader: 'pg1', member: 'pg2' }),
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: ['log warn: switchover: no healthy members found, switchover is not possible'],
  },
  {
    name: 'candidate is the leader itself',
    given: { ...onLeader, cluster: cluster().withFailover({ member: 'pg1' }) },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: [
      'log warn: manual failover: I am already the leader, no need to failover',
      'dcs.set-failover {} (cas)',
    ],
  },
  {
    name: 'request names another leader',
    given: { ...onLeader, cluster: cluster().withFailover({ leader: 'pg9', member: 'pg2' }) },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: ['log warn: switchover: leader name does not match: pg9 != pg1', 'dcs.set-failover {} (cas)'],
  },
  {
    name: 'scheduled switchover in the future: wait',
    given: {
      ...onLeader,
      cluster: cluster().withFailover({ leader: 'pg1', member: 'pg2', scheduled_at: IN_AN_HOUR }),
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: [`log info: Awaiting switchover at ${IN_AN_HOUR} (in 3600 seconds)`],
    excludes: ['dcs.set-failover', 'action.start'],
  },
  {
    name: 'scheduled switchover long past: stale, cleared',
    given: {
      ...onLeader,
      cluster: cluster().withFailover({ leader: 'pg1', member: 'pg2', scheduled_at: A_MINUTE_AGO }),
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: ['dcs.set-failover {} (cas)'],
    excludes: ['action.start'],
  },
  {
    name: 'scheduled switchover due within loop_wait: sleep, then demote',
    given: {
      ...onLeader,
      cluster: cluster().withFailover({ leader: 'pg1', member: 'pg2', scheduled_at: IN_5_SECONDS }),
    },
    summary: 'switchover: demoting myself',
    includes: ['sleep 5000ms', 'action.start switchover: demote'],
  },
  {
    name: 'unparseable scheduled_at: cleared',
    given: {
      ...onLeader,
      cluster: cluster().withFailover({ leader: 'pg1', member: 'pg2', scheduled_at: 'tomorrow-ish' }),
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: ['dcs.set-failover {} (cas)'],
  },
  {
    name: 'paused switchover without a candidate: refused',
    given: { ...onLeader, cluster: cluster().withConfig({ pause: true }).withFailover({ leader: 'pg1' }) },
    summary: 'PAUSE: no action. I am (pg1), the leader with the lock',
    includes: ['log warn: Switchover is possible only to a specific candidate in a paused state'],
  },
  {
    name: 'synchronous mode: switchover to an async replica is not possible',
    given: {
      ...onLeader,
      cluster: cluster()
        .withConfig({ synchronous_mode: true })
        .withSync('pg1', ['pg2'])
        .withFailover({ leader: 'pg1', member: 'pg3' }),
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: [
      'log warn: Switchover candidate=pg3 does not match with sync_standbys=pg2',
      'log warn: switchover: candidates list is empty',
    ],
  },
  {
    name: 'synchronous mode: manual failover to an async replica is allowed',
    given: {
      ...onLeader,
      cluster: cluster()
        .withConfig({ synchronous_mode: true })
        .withSync('pg1', ['pg2'])
        .withFailover({ member: 'pg3' }),
    },
    summary: 'manual failover: demoting myself',
  },
  {
    name: 'paused: the named candidate holds the key but is not primary yet',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg1')
        .withConfig({ pause: true })
        .withFailover({ member: 'pg2' }),
      pg: pgReplica(),
    },
    summary: 'PAUSE: waiting to become primary after promote...',
  },
  {
    name: 'paused: a lock holder that is not primary releases the key',
    given: {
      me: 'pg2',
      cluster: aCluster().withLeader('pg2').withReplica('pg1').withConfig({ pause: true }),
      pg: pgReplica(),
    },
    summary: 'PAUSE: removed leader lock because postgres is not running as primary',
  },
];

const raceSide: DecisionCase[] = [
  {
    name: 'I am the named candidate: race and promote despite peers ahead',
    given: {
      me: 'pg3',
      cluster: unlocked()
        .withReplica('pg3', { lagBytes: 5000 })
        .withFailover({ leader: 'pg1', member: 'pg3' }),
      reloaded: aCluster()
        .withLeader('pg3')
        .withReplica('pg2')
        .withFailover({ leader: 'pg1', member: 'pg3' }),
      pg: pgReplica({ lagBytes: 5000 }),
    },
    summary: 'promoted self to leader by acquiring session lock',
    includes: ['dcs.acquire-leader', 'dcs.set-failover {}', 'action.start promote'],
    excludes: ['peers.fetch-status'],
  },
  {
    name: 'someone else is the healthy candidate: do not race',
    given: { me: 'pg2', cluster: unlocked().withFailover({ member: 'pg3' }) },
    summary: 'following a different leader because i am not the healthiest node',
    includes: ['log info: manual failover: to pg3, i am pg2', 'sleep 2000ms'],
  },
  {
    name: 'the candidate is unreachable: race among the others',
    given: {
      me: 'pg2',
      cluster: unlocked().withFailover({ leader: 'pg1', member: 'pg3' }),
      reloaded: aCluster().withLeader('pg2').withReplica('pg3'),
      peers: { pg3: null },
    },
    summary: 'promoted self to leader by acquiring session lock',
    includes: ['log warn: switchover: member pg3 is not reachable', 'peers.fetch-status pg3'],
  },
  {
    name: 'old leader of the request, a candidate is healthy: let it go',
    given: { me: 'pg1', cluster: unlocked().withFailover({ leader: 'pg1' }), pg: pgReplica() },
    summary: 'following a different leader because i am not the healthiest node',
  },
  {
    name: 'old leader of the request, nobody healthy: take it back',
    given: {
      me: 'pg1',
      cluster: unlocked().withFailover({ leader: 'pg1' }),
      reloaded: cluster(),
      pg: pgReplica(),
      peers: { pg2: null, pg3: null },
    },
    summary: 'promoted self to leader by acquiring session lock',
  },
  {
    name: 'paused: named candidate races and keeps {member} so promotion completes',
    given: {
      me: 'pg2',
      cluster: unlocked().withConfig({ pause: true }).withFailover({ leader: 'pg1', member: 'pg2' }),
      reloaded: aCluster().withLeader('pg2').withConfig({ pause: true }).withFailover({ member: 'pg2' }),
    },
    summary: 'PAUSE: promoted self to leader by acquiring session lock',
    includes: ['dcs.acquire-leader', 'dcs.set-failover {"member":"pg2"} (cas)', 'action.start promote'],
  },
  {
    name: 'paused: a vanished candidate is cleared by the running primary',
    given: {
      me: 'pg1',
      cluster: unlocked().withConfig({ pause: true }).withFailover({ member: 'pg9' }),
      reloaded: aCluster().withLeader('pg1').withConfig({ pause: true }),
      pg: pgPrimary(),
      state: { role: 'primary' },
    },
    summary: 'PAUSE: acquired session lock as a leader',
    includes: ['dcs.set-failover {} (cas)', 'dcs.acquire-leader'],
  },
];

describe('manual switchover/failover on the leader (ha-loop.md §7.1)', () => {
  it.each(leaderSide)('$name', (row) => {
    checkCase(row);
  });
});

describe('manual switchover/failover in the race (ha-loop.md §7.4)', () => {
  it.each(raceSide)('$name', (row) => {
    checkCase(row);
  });
});
