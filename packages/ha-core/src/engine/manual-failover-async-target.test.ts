import { describe, expect, it } from 'vitest';
import { aCluster } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { pgPrimary, pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

// Sim seed 21 (strict mode): right after promoting, the leader gets `failover {"member":"pg3"}` for a node
// outside /sync, on an older timeline and 190273 bytes behind /status. Patroni 4.1 hands over: in
// synchronous mode a manual failover (not a switchover) may target an async node (ha.py
// get_failover_candidates; patronictl asks "Are you sure you want to failover to the asynchronous node"),
// and is_failover_possible checks only usability, maximum_lag_on_failover and, with check_timeline, the
// timeline. These rows pin that down, and the limits that still refuse it.

const HISTORY = [
  [1, 1_000, 'no recovery target specified'],
  [2, 2_000, 'no recovery target specified'],
];
const strictCluster = (config: Record<string, unknown> = {}) =>
  aCluster()
    .withLeader('pg1', { timeline: 3 })
    .withReplica('pg2', { timeline: 3 })
    .withReplica('pg3', { timeline: 1, lagBytes: 190_273 })
    .withConfig({ synchronous_mode: true, synchronous_mode_strict: true, ...config })
    .withSync('pg1', [])
    .withHistory(HISTORY)
    .withFailover({ member: 'pg3' });
const onLeader = {
  me: 'pg1',
  pg: pgPrimary({ timeline: 3 }),
  state: { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 },
};
const refused = [
  'log warn: manual failover: no healthy members found, failover is not possible',
  'dcs.set-failover {} (cas)',
];

const cases: DecisionCase[] = [
  {
    name: 'async target within maximum_lag_on_failover, check_timeline off: handed over (Patroni)',
    given: { ...onLeader, cluster: strictCluster({ maximum_lag_on_failover: 262_144 }) },
    summary: 'manual failover: demoting myself',
    includes: ['peers.fetch-status pg3', 'action.start manual failover: demote'],
  },
  {
    name: 'async target beyond maximum_lag_on_failover: refused, request cleared',
    given: { ...onLeader, cluster: strictCluster({ maximum_lag_on_failover: 131_072 }) },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: refused,
    excludes: ['action.start'],
  },
  {
    name: 'async target on an older timeline with check_timeline: refused, request cleared',
    given: {
      ...onLeader,
      cluster: strictCluster({ maximum_lag_on_failover: 262_144, check_timeline: true }),
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: refused,
    excludes: ['action.start'],
  },
  {
    name: 'the named async candidate races once the key is free (manual_failover_process_no_leader)',
    given: {
      me: 'pg3',
      cluster: aCluster()
        .withFormerLeader('pg1', { timeline: 3 })
        .withReplica('pg2', { timeline: 3 })
        .withReplica('pg3', { timeline: 1, lagBytes: 190_273 })
        .withConfig({ synchronous_mode: true, synchronous_mode_strict: true })
        .withSync('pg1', [])
        .withHistory(HISTORY)
        .withFailover({ member: 'pg3' }),
      pg: pgReplica({ lagBytes: 190_273, timeline: 1 }),
    },
    summary: 'promoted self to leader by acquiring session lock',
    verify: (run) => expect(run.lines).toContain('dcs.acquire-leader'),
  },
];

describe('manual failover to an async node in synchronous mode', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
