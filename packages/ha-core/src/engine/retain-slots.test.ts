import { describe, expect, it } from 'vitest';
import type { LeaderStatus } from '../dcs/dcs.js';
import { asLsn } from '../model/types.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { type CycleRun, NOW_MS } from './test-support/drive.js';
import { pgPrimary } from './test-support/postgres-builder.js';
import { checkCase } from './test-support/table.js';

const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };
const leaderMsg = 'no action. I am (pg1), the leader with the lock';

function renewedStatus(run: CycleRun): LeaderStatus {
  const renew = run.effects.find((e) => e.kind === 'dcs.renew-leader');
  if (renew?.kind !== 'dcs.renew-leader') throw new Error('no renewal');
  return renew.status;
}

const withSlot = (name: string, lsn: number) => {
  const pg = pgPrimary();
  return {
    ...pg,
    query: pg.query && {
      ...pg.query,
      slots: [
        {
          name,
          type: 'physical' as const,
          database: null,
          plugin: null,
          restartLsn: asLsn(lsn),
          confirmedFlushLsn: null,
          catalogXmin: null,
        },
      ],
    },
  };
};

describe('[4.x] member_slots_ttl: /status slots and retain_slots (dcs.md §3.4)', () => {
  it('the leader publishes all its physical slots, its own name, and the member slots to retain', () => {
    const run = checkCase({
      name: 'retain',
      given: {
        me: 'pg1',
        cluster: aCluster().withLeader('pg1').withReplica('pg2').withReplica('pg-3'),
        pg: withSlot('pg_2', LEADER_LSN - 100),
        state: leaderState,
      },
      summary: leaderMsg,
    });
    expect(renewedStatus(run)).toEqual({
      lastLsn: LEADER_LSN,
      slots: { pg_2: LEADER_LSN - 100, pg1: LEADER_LSN },
      retainSlots: ['pg2', 'pg_3'],
    });
    expect(run.outcome.state.memberSlotsSeenAtMs).toEqual({ pg2: NOW_MS, pg_3: NOW_MS });
  });

  it('a member gone keeps its slot name for member_slots_ttl, then it is dropped', () => {
    const given = (nowMs: number) => ({
      me: 'pg1',
      cluster: aCluster().withLeader('pg1').withReplica('pg2'),
      pg: pgPrimary(),
      state: { ...leaderState, leaderExpiryMs: nowMs + 20_000, memberSlotsSeenAtMs: { gone: NOW_MS } },
      nowMs,
    });
    const within = checkCase({ name: 'within', given: given(NOW_MS + 1_799_000), summary: leaderMsg });
    expect(renewedStatus(within).retainSlots).toEqual(['gone', 'pg2']);
    const after = checkCase({ name: 'after', given: given(NOW_MS + 1_800_000), summary: leaderMsg });
    expect(renewedStatus(after).retainSlots).toEqual(['pg2']);
  });

  it('member_slots_ttl 0 (or PG < 11) keeps the 3.x status: permanent slots only, no retain_slots', () => {
    const run = checkCase({
      name: 'off',
      given: {
        me: 'pg1',
        cluster: aCluster().withLeader('pg1').withReplica('pg2').withConfig({ member_slots_ttl: 0 }),
        pg: withSlot('pg2', LEADER_LSN - 100),
        state: leaderState,
      },
      summary: leaderMsg,
    });
    expect(renewedStatus(run)).toEqual({ lastLsn: LEADER_LSN });
  });

  it('PG < 11 or an unknown version: no retention; permanent slots still published', () => {
    for (const majorVersion of [100000, null]) {
      const run = checkCase({
        name: 'pg10',
        given: {
          me: 'pg1',
          cluster: aCluster()
            .withLeader('pg1')
            .withReplica('pg2')
            .withConfig({ slots: { pg1: { type: 'physical' } } }),
          pg: { ...withSlot('pg2', LEADER_LSN - 100), majorVersion },
          state: leaderState,
        },
        summary: leaderMsg,
      });
      expect(renewedStatus(run)).toEqual({ lastLsn: LEADER_LSN });
    }
    const run = checkCase({
      name: 'ttl 0 with a permanent slot named after me',
      given: {
        me: 'pg1',
        cluster: aCluster()
          .withLeader('pg1')
          .withReplica('pg2')
          .withConfig({ member_slots_ttl: 0, slots: { pg1: { type: 'physical' } } }),
        pg: pgPrimary(),
        state: leaderState,
      },
      summary: leaderMsg,
    });
    expect(renewedStatus(run)).toEqual({ lastLsn: LEADER_LSN, slots: { pg1: LEADER_LSN } });
  });
});
