import { describe, expect, it } from 'vitest';
import { aCluster } from './test-support/cluster-builder.js';
import { pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

// Patroni 4.1.1 (#3457): the leader stays the same node but moves to a newer timeline (crash recovery, then
// promote, while this replica was cut off from the DCS). primary_conninfo does not change, so only the
// leader's published timeline being ahead of mine re-checks divergence; without it a replica that streamed
// WAL the leader later discarded never streams again (sim seeds 1751, 2398).

const leaderOnTimeline = (timeline: number) =>
  aCluster().withLeader('pg1', { timeline }).withReplica('pg2', { timeline: 7 });
const healthy = 'no action. I am (pg2), a secondary, and following a leader (pg1)';

const cases: DecisionCase[] = [
  {
    name: 'leader on a newer timeline, diverged: rewind from the same leader',
    given: {
      me: 'pg2',
      cluster: leaderOnTimeline(9),
      pg: pgReplica({ timeline: 7 }),
      rewindUsable: true,
      state: { rewind: 'not-need' },
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: 'running pg_rewind from pg1',
    includes: ['pg.check-divergence pg1', 'action.start running pg_rewind from pg1'],
    verify: (run) => expect(run.outcome.state.rewind).toBe('need'),
  },
  {
    name: 'leader on a newer timeline, not diverged: checked, keeps following',
    given: {
      me: 'pg2',
      cluster: leaderOnTimeline(9),
      pg: pgReplica({ timeline: 7 }),
      rewindUsable: true,
      state: { rewind: 'not-need' },
    },
    summary: healthy,
    includes: ['pg.check-divergence pg1'],
    excludes: ['action.start'],
    verify: (run) => expect(run.outcome.state.rewind).toBe('not-need'),
  },
  {
    name: 'same timeline as the leader: no check',
    given: {
      me: 'pg2',
      cluster: leaderOnTimeline(7),
      pg: pgReplica({ timeline: 7 }),
      rewindUsable: true,
      state: { rewind: 'not-need' },
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: healthy,
    excludes: ['pg.check-divergence', 'action.start'],
  },
  {
    name: 'my timeline unknown: no check',
    given: {
      me: 'pg2',
      cluster: leaderOnTimeline(9),
      pg: pgReplica({ timeline: null }),
      rewindUsable: true,
      state: { rewind: 'not-need' },
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: healthy,
    excludes: ['pg.check-divergence', 'action.start'],
  },
  {
    name: 'pg_rewind unusable and no reinit on divergence: no check',
    given: {
      me: 'pg2',
      cluster: leaderOnTimeline(9),
      pg: pgReplica({ timeline: 7 }),
      rewindUsable: false,
      respond: { 'pg.check-divergence': 'need' },
    },
    summary: healthy,
    excludes: ['pg.check-divergence', 'action.start'],
  },
];

describe('a replica whose leader moved to a newer timeline without changing', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
