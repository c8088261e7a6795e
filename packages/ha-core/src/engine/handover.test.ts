import { describe, expect, it } from 'vitest';
import { asLsn } from '../model/types.js';
import { handoverCandidates, healthyHandoverCount } from './handover.js';
import { parsePeerStatus } from './peer-status.js';
import { aCluster, type ClusterBuilder, LEADER_LSN } from './test-support/cluster-builder.js';
import { peerBodyFromMember } from './test-support/drive.js';

/** Three replicas of pg1; pg3 lags 5 kB (still within maximum_lag_on_failover), pg4 is nofailover. */
function base(): ClusterBuilder {
  return aCluster()
    .withLeader('pg1')
    .withReplica('pg2')
    .withReplica('pg3', { lagBytes: 5000 })
    .withReplica('pg4', { tags: { nofailover: true } });
}

interface Row {
  readonly name: string;
  readonly cluster: ClusterBuilder;
  readonly targets: readonly string[];
  readonly needed: number;
  /** Healthy among the targets when the leader's shutdown checkpoint is LEADER_LSN (the early release). */
  readonly healthyAtCheckpoint: number;
}

// ha-loop.md §8.1 step 3 releases /leader early only when is_failover_possible(cluster_lsn = checkpoint),
// whose candidates are §7.3's: the named /failover.member only, /sync standbys only in sync mode. The sim
// found a release because some other member had the checkpoint while the named one was behind (seed 279).
const rows: Row[] = [
  {
    name: 'no /failover, no sync: every member but me and nofailover',
    cluster: base(),
    targets: ['pg2', 'pg3'],
    needed: 1,
    healthyAtCheckpoint: 1,
  },
  {
    name: 'switchover to a lagging member: only it counts, so no early release',
    cluster: base().withFailover({ leader: 'pg1', member: 'pg3' }),
    targets: ['pg3'],
    needed: 1,
    healthyAtCheckpoint: 0,
  },
  {
    name: 'manual failover to a caught-up member',
    cluster: base().withFailover({ member: 'pg2' }),
    targets: ['pg2'],
    needed: 1,
    healthyAtCheckpoint: 1,
  },
  {
    name: 'sync mode: only /sync standbys, the caught-up async one does not count',
    cluster: base().withConfig({ synchronous_mode: true }).withSync('pg1', ['pg3']),
    targets: ['pg3'],
    needed: 1,
    healthyAtCheckpoint: 0,
  },
  {
    name: 'sync mode, manual failover to an async node: it may be the target',
    cluster: base()
      .withConfig({ synchronous_mode: true })
      .withSync('pg1', ['pg3'])
      .withFailover({ member: 'pg2' }),
    targets: ['pg2'],
    needed: 1,
    healthyAtCheckpoint: 1,
  },
  {
    name: 'sync mode, switchover to a node not in /sync: nobody',
    cluster: base()
      .withConfig({ synchronous_mode: true })
      .withSync('pg1', ['pg3'])
      .withFailover({ leader: 'pg1', member: 'pg2' }),
    targets: [],
    needed: 1,
    healthyAtCheckpoint: 0,
  },
  {
    name: 'quorum mode without a named candidate: quorum + 1 voters must have the checkpoint',
    cluster: base().withConfig({ synchronous_mode: 'quorum' }).withSync('pg1', ['pg2', 'pg3'], 1),
    targets: ['pg2', 'pg3'],
    needed: 2,
    healthyAtCheckpoint: 1,
  },
  {
    name: 'sync mode configured but /sync has no leader: not active, everyone counts',
    cluster: base().withConfig({ synchronous_mode: true }).withSync(null, []),
    targets: ['pg2', 'pg3'],
    needed: 1,
    healthyAtCheckpoint: 1,
  },
];

describe('handover candidates (ha-loop.md §7.3, used by the early leader release §8.1.3)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const cluster = row.cluster.build();
      const config = row.cluster.config();
      const plan = handoverCandidates(cluster, config, 'pg1');
      expect(plan.targets.map((t) => t.name)).toEqual(row.targets);
      expect(plan.needed).toBe(row.needed);
      const statuses = plan.targets.map((t) =>
        parsePeerStatus(t.name, peerBodyFromMember(row.cluster.memberData(t.name) ?? {})),
      );
      expect(healthyHandoverCount(cluster, config, statuses, asLsn(LEADER_LSN))).toBe(
        row.healthyAtCheckpoint,
      );
    });
  }

  it('flags a named candidate that sync mode removed, and excludes it on request', () => {
    const builder = base()
      .withConfig({ synchronous_mode: true })
      .withSync('pg1', ['pg3'])
      .withFailover({ leader: 'pg1', member: 'pg2' });
    const plan = handoverCandidates(builder.build(), builder.config(), 'pg1');
    expect(plan.requestedNotInSync).toBe(true);
    const excluded = handoverCandidates(builder.build(), builder.config(), 'pg1', true);
    expect(excluded.targets.map((t) => t.name)).toEqual(['pg3']);
  });

  it('without a checkpoint LSN uses maximum_lag_on_failover and the cluster timeline', () => {
    const builder = base()
      .withConfig({ maximum_lag_on_failover: 1000, check_timeline: true })
      .withHistory([[1, 0, 'no recovery target']]);
    const cluster = builder.build();
    const body = (lsn: number, timeline: number) => ({
      role: 'replica',
      timeline,
      xlog: { received_location: lsn, replayed_location: lsn },
    });
    const statuses = [
      parsePeerStatus('pg2', body(LEADER_LSN, 2)),
      parsePeerStatus('pg3', body(LEADER_LSN - 5000, 2)),
      parsePeerStatus('pg5', body(LEADER_LSN, 1)),
      parsePeerStatus('pg6', null),
    ];
    expect(healthyHandoverCount(cluster, builder.config(), statuses, null)).toBe(1);
  });
});
