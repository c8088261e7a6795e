import { describe, expect, it } from 'vitest';
import { aCluster } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { pgDown } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';
import type { FinishedAction } from './types.js';

// PostgreSQL crashed while the rewind action stopped it, so pg_rewind refused a target that was not shut
// down cleanly. Patroni marks that rewind FAILED and the node stays a diverged replica; we retry once after
// the single-user crash recovery that §8.3 runs first for a stopped replica in `in archive recovery`
// (sim seed 212). A rewind that fails after that recovery, or against a clean target, stays FAILED.

const two = () => aCluster().withLeader('pg1').withReplica('pg2');
const failedRewind: FinishedAction = {
  name: 'running pg_rewind from pg1',
  work: { kind: 'rewind', leader: { name: 'pg1', connUrl: 'x' }, removeDataOnFailure: false },
  result: { ok: false, error: 'target server must be shut down cleanly' },
};
const crashedReplica = pgDown({ state: 'running', clusterState: 'in archive recovery', recoveryConf: true });

const cases: DecisionCase[] = [
  {
    name: 'crashed during the stop: NEED kept, crash recovery first',
    given: { me: 'pg2', cluster: two(), pg: crashedReplica, rewindUsable: true, finished: failedRewind },
    summary: 'doing crash recovery in a single user mode',
    includes: ['action.start doing crash recovery in a single user mode'],
    excludes: ['action.start running pg_rewind', 'action.start restarting', 'action.start starting'],
    verify: (run) => {
      expect(run.outcome.state.rewind).toBe('need');
      expect(run.outcome.state.rewindExecuted).toBe(false);
      expect(run.outcome.state.crashRecoveryStartedMs).toBe(NOW_MS);
    },
  },
  {
    name: 'a former primary that crashed during the stop: NEED kept, crash recovery first',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: pgDown({ state: 'running', clusterState: 'in production' }),
      rewindUsable: true,
      finished: failedRewind,
    },
    summary: 'doing crash recovery in a single user mode',
    verify: (run) => expect(run.outcome.state.rewind).toBe('need'),
  },
  {
    name: 'failed again after crash recovery: FAILED, started without rewinding',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: crashedReplica,
      rewindUsable: true,
      state: { crashRecoveryStartedMs: NOW_MS - 5000 },
      finished: failedRewind,
    },
    summary: 'starting as a secondary',
    verify: (run) => expect(run.outcome.state.rewind).toBe('failed'),
  },
  {
    name: 'failed against a clean target: FAILED as before',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: pgDown({ clusterState: 'shut down in recovery', recoveryConf: true }),
      rewindUsable: true,
      finished: failedRewind,
    },
    summary: 'starting as a secondary',
    verify: (run) => expect(run.outcome.state.rewind).toBe('failed'),
  },
  {
    name: 'pg_rewind no longer usable: FAILED even with an unclean target',
    given: { me: 'pg2', cluster: two(), pg: crashedReplica, rewindUsable: false, finished: failedRewind },
    summary: 'starting as a secondary',
    verify: (run) => expect(run.outcome.state.rewind).toBe('failed'),
  },
];

describe('a rewind refused because PostgreSQL crashed while it was stopped', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
