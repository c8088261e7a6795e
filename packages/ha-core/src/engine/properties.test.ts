import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildMember } from '../model/parse-member.js';
import { asLsn } from '../model/types.js';
import { pickSyncStandbys, renderSynchronousStandbyNames } from './sync-standbys.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { runOneCycle } from './test-support/drive.js';
import { pgReplica, streaming } from './test-support/postgres-builder.js';

const replicaArb = fc.record({
  lsn: fc.integer({ min: 0, max: 1000 }),
  syncState: fc.constantFrom('sync', 'potential', 'async', 'quorum'),
  nosync: fc.boolean(),
  nofailover: fc.boolean(),
  running: fc.boolean(),
});

describe('pickSyncStandbys properties', () => {
  it('picks at most synchronous_node_count eligible members, confirmed ones only among them', () => {
    fc.assert(
      fc.property(
        fc.array(replicaArb, { maxLength: 6 }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        (replicas, count, strict) => {
          const names = replicas.map((_, i) => `node${i}`);
          const members = replicas.map((r, i) =>
            buildMember(names[i] ?? '', null, null, {
              state: r.running ? 'running' : 'stopped',
              tags: { nosync: r.nosync, nofailover: r.nofailover },
            }),
          );
          const replication = replicas.map((r, i) =>
            streaming(names[i] ?? '', { lsn: r.lsn, syncState: r.syncState }),
          );
          const pick = pickSyncStandbys({
            me: 'primary',
            replication,
            members,
            synchronousNodeCount: count,
            strict,
            maximumLagOnSyncnodeBytes: -1,
            synchronousCommit: 'on',
            primaryFlushLsn: 1000,
            serverVersion: 150000,
            currentSync: [],
            confirmationLsn: 500,
          });
          const wanted = Math.max(count, strict ? 1 : 0);
          expect(pick.picked.length).toBeLessThanOrEqual(wanted);
          for (const name of pick.picked) {
            const r = replicas[names.indexOf(name)];
            expect(r?.running && !r.nosync).toBe(true);
          }
          for (const name of pick.allowPromote) expect(pick.picked).toContain(name);
          // Eligible ones are not skipped in favour of nobody.
          const eligible = replicas.filter((r) => r.running && !r.nosync).length;
          expect(pick.picked.length).toBe(Math.min(wanted, eligible));
          // Non-nofailover members come first.
          const flags = pick.picked.map((n) => replicas[names.indexOf(n)]?.nofailover);
          expect([...flags].sort((a, b) => Number(a) - Number(b))).toEqual(flags);
        },
      ),
    );
  });

  it('the rendered value names exactly the picked members', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), { maxLength: 4 }), (names) => {
        const value = renderSynchronousStandbyNames(names, 150000);
        if (names.length === 0) expect(value).toBeNull();
        else if (names.length === 1) expect(value?.replaceAll('"', '')).toBe(names[0]);
        else expect(value?.startsWith(`${names.length} (`)).toBe(true);
      }),
    );
  });
});

describe('leader race ordering property', () => {
  it('among replicas with distinct positions only the most advanced one acquires', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500_000 }), { minLength: 2, maxLength: 5 }),
        (lags) => {
          const builder = aCluster().withFormerLeader('old');
          for (const [i, lag] of lags.entries()) builder.withReplica(`n${i}`, { lagBytes: lag });
          const winners = lags.filter((lag, i) => {
            const run = runOneCycle({
              me: `n${i}`,
              cluster: builder,
              pg: pgReplica({ lagBytes: lag }),
              peers: { old: null },
            });
            return run.lines.includes('dcs.acquire-leader');
          });
          expect(winners).toEqual([Math.min(...lags)]);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('with equal positions the highest failover_priority alone races', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }),
        (priorities) => {
          const builder = aCluster().withFormerLeader('old');
          for (const [i, p] of priorities.entries())
            builder.withReplica(`n${i}`, { tags: { failover_priority: p } });
          const racing = priorities.filter((p, i) => {
            const run = runOneCycle({
              me: `n${i}`,
              cluster: builder,
              tags: { failover_priority: p },
              peers: { old: null },
            });
            return run.lines.includes('dcs.acquire-leader');
          });
          expect(racing).toEqual([Math.max(...priorities)]);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('LEADER_LSN sanity for builders', () => {
    expect(asLsn(LEADER_LSN)).toBe(100_000_000);
  });
});
