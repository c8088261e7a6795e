import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseQuorumGuc,
  planQuorumSteps,
  type QuorumDcs,
  type QuorumGuc,
  quorumPairSafe,
  quorumTarget,
  renderQuorumGuc,
} from './quorum-commit.js';
import { pickSyncStandbys } from './sync-standbys.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { NOW_MS } from './test-support/drive.js';
import { pgPrimary, pgReplica, streaming } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

/** Brute force: is there an acknowledging subset disjoint from a promoting subset? */
function subsets(names: readonly string[], size: number): string[][] {
  if (size === 0) return [[]];
  if (names.length < size) return [];
  const [first, ...rest] = names as [string, ...string[]];
  return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
}
function bruteSafe(guc: QuorumGuc, dcs: QuorumDcs): boolean {
  const promoting = subsets(dcs.voters, dcs.quorum + 1);
  if (promoting.length === 0) return true;
  const acknowledging = guc.names === null ? [['someone-else']] : subsets(guc.names, guc.numsync);
  return acknowledging.every((c) => promoting.every((p) => p.some((n) => c.includes(n))));
}

const NODES = ['a', 'b', 'c', 'd', 'e'];
const nameSet = fc.subarray(NODES);
const gucArb: fc.Arbitrary<QuorumGuc> = nameSet.chain((names) =>
  fc.integer({ min: names.length === 0 ? 0 : 1, max: names.length }).map((numsync) => ({ numsync, names })),
);
const dcsArb: fc.Arbitrary<QuorumDcs> = nameSet.chain((voters) =>
  fc.integer({ min: 0, max: Math.max(0, voters.length - 1) }).map((quorum) => ({ quorum, voters })),
);
/** Any safe starting pair, any new active set, a confirmed part of it, a wanted count. */
const scenario = fc
  .record({
    guc: gucArb,
    dcs: dcsArb,
    active: nameSet,
    confirmedMask: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    wanted: fc.integer({ min: 1, max: 4 }),
    strict: fc.boolean(),
  })
  .filter((s) => quorumPairSafe(s.guc, s.dcs));

describe('quorum commit pair safety (ha-loop.md §11.3)', () => {
  it('the closed form agrees with brute force on every small pair', () => {
    fc.assert(
      fc.property(gucArb, dcsArb, (guc, dcs) => {
        if (guc.numsync === 0 && dcs.voters.length > dcs.quorum) expect(quorumPairSafe(guc, dcs)).toBe(false);
        else expect(quorumPairSafe(guc, dcs)).toBe(bruteSafe(guc, dcs));
      }),
      { numRuns: 2000 },
    );
  });

  it('every intermediate (GUC, /sync) pair keeps the intersection, and the plan reaches the target', () => {
    fc.assert(
      fc.property(scenario, ({ guc, dcs, active, confirmedMask, wanted, strict }) => {
        const confirmed = active.filter((_, i) => confirmedMask[i]);
        const target = quorumTarget(active, confirmed, wanted, strict);
        expect(quorumPairSafe(target.guc, target.dcs)).toBe(true);
        let pair = { guc, dcs };
        for (const step of planQuorumSteps(pair, target)) {
          pair = step.kind === 'guc' ? { ...pair, guc: step.guc } : { ...pair, dcs: step.dcs };
          expect(quorumPairSafe(pair.guc, pair.dcs), JSON.stringify({ guc, dcs, target, pair })).toBe(true);
        }
        expect(pair).toEqual(
          planQuorumSteps(pair, target).length === 0 ? pair : { guc: target.guc, dcs: target.dcs },
        );
        expect(planQuorumSteps(pair, target)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('reaches the optimal state when all active standbys are confirmed', () => {
    const target = quorumTarget(['c', 'a', 'b'], ['a', 'b', 'c'], 2, false);
    expect(target).toEqual({
      guc: { numsync: 2, names: ['a', 'b', 'c'] },
      dcs: { quorum: 1, voters: ['a', 'b', 'c'] },
    });
    // Not yet confirmed: voters only the confirmed ones, with the quorum that keeps them meeting the GUC
    // (here none can: nobody may promote until b or c confirms).
    expect(quorumTarget(['a', 'b', 'c'], ['a'], 2, false).dcs).toEqual({ quorum: 1, voters: ['a'] });
    expect(quorumTarget(['a', 'b', 'c'], ['a', 'b'], 2, false).dcs).toEqual({
      quorum: 1,
      voters: ['a', 'b'],
    });
    expect(quorumTarget([], [], 2, true).guc).toEqual({ numsync: 1, names: null });
    expect(quorumTarget([], [], 2, false)).toEqual({
      guc: { numsync: 0, names: [] },
      dcs: { quorum: 0, voters: [] },
    });
  });

  it('orders the steps: GUC first when adding to an empty GUC, /sync first when removing', () => {
    const empty = { guc: { numsync: 0, names: [] }, dcs: { quorum: 0, voters: [] } };
    const one = { guc: { numsync: 1, names: ['a'] }, dcs: { quorum: 0, voters: ['a'] } };
    expect(planQuorumSteps(empty, one).map((s) => s.kind)).toEqual(['guc', 'dcs']);
    expect(planQuorumSteps(one, empty).map((s) => s.kind)).toEqual(['dcs', 'guc']);
    // a replaced by b: neither order is safe alone; /sync first needs everyone to promote for a moment.
    const other = { guc: { numsync: 1, names: ['b'] }, dcs: { quorum: 0, voters: ['b'] } };
    expect(planQuorumSteps(one, other)).toEqual([
      { kind: 'dcs', dcs: { quorum: 1, voters: ['a', 'b'] } },
      { kind: 'guc', guc: other.guc },
      { kind: 'dcs', dcs: other.dcs },
    ]);
  });

  it('covers the edges: impossible commits, GUC-only changes, an unsafe `*` start', () => {
    expect(quorumPairSafe({ numsync: 3, names: ['a'] }, { quorum: 0, voters: ['a'] })).toBe(true);
    const pair = { guc: { numsync: 1, names: ['a', 'b'] }, dcs: { quorum: 1, voters: ['a', 'b'] } };
    const more = { ...pair, guc: { numsync: 2, names: ['a', 'b'] } };
    expect(planQuorumSteps(pair, more)).toEqual([{ kind: 'guc', guc: more.guc }]);
    expect(planQuorumSteps(pair, { ...pair, dcs: { quorum: 0, voters: ['a', 'b'] } })).toEqual([
      { kind: 'dcs', dcs: { quorum: 0, voters: ['a', 'b'] } },
    ]);
    // A hand-set `*` with a voter: the plan still passes only through a pair nobody can promote in.
    const star = { guc: { numsync: 1, names: null }, dcs: { quorum: 0, voters: ['a'] } };
    const target = { guc: { numsync: 1, names: ['b'] }, dcs: { quorum: 0, voters: ['b'] } };
    const steps = planQuorumSteps(star, target);
    expect(steps[0]).toEqual({ kind: 'dcs', dcs: { quorum: 1, voters: ['a', 'b'] } });
    expect(steps).toHaveLength(3);
  });

  it('renders and parses synchronous_standby_names', () => {
    expect(parseQuorumGuc('ANY 2 ("a""b", c)')).toEqual({ numsync: 2, names: ['a"b', 'c'] });
    expect(renderQuorumGuc({ numsync: 1, names: ['pg-3', 'pg2'] })).toBe('ANY 1 ("pg-3",pg2)');
    expect(renderQuorumGuc({ numsync: 0, names: [] })).toBeNull();
    expect(renderQuorumGuc({ numsync: 1, names: [] })).toBe('*');
    expect(renderQuorumGuc({ numsync: 1, names: null })).toBe('*');
    expect(parseQuorumGuc('ANY 1 ("pg-3",pg2)')).toEqual({ numsync: 1, names: ['pg-3', 'pg2'] });
    expect(parseQuorumGuc('2 (a, b)')).toEqual({ numsync: 2, names: ['a', 'b'] });
    expect(parseQuorumGuc('first 1 (a,b)')).toEqual({ numsync: 1, names: ['a', 'b'] });
    expect(parseQuorumGuc('a, b')).toEqual({ numsync: 1, names: ['a', 'b'] });
    expect(parseQuorumGuc('*')).toEqual({ numsync: 1, names: null });
    expect(parseQuorumGuc('')).toEqual({ numsync: 0, names: [] });
  });
});

const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };
const quorumCluster = () =>
  aCluster()
    .withLeader('pg1')
    .withReplica('pg2')
    .withReplica('pg3')
    .withConfig({ synchronous_mode: 'quorum', synchronous_node_count: 1 });
const leaderMsg = 'no action. I am (pg1), the leader with the lock';

const quorumCases: DecisionCase[] = [
  {
    name: 'quorum mode turned on: claim /sync with no voters, then ANY 1 of the streaming standbys',
    given: {
      me: 'pg1',
      cluster: quorumCluster(),
      pg: pgPrimary({ replication: [streaming('pg2'), streaming('pg3')] }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: [
      'dcs.write-sync leader=pg1 standbys=[]',
      'log info: Enabled synchronous replication',
      'pg.set-synchronous-standby-names ANY 1 (pg2,pg3)',
    ],
  },
  {
    name: 'confirmed quorum standbys become voters with quorum = |voters| - numsync',
    given: {
      me: 'pg1',
      cluster: quorumCluster().withSync('pg1', [], 0),
      pg: pgPrimary({
        replication: [streaming('pg2', { syncState: 'quorum' }), streaming('pg3', { syncState: 'quorum' })],
        ssn: 'ANY 1 (pg2,pg3)',
      }),
      state: { ...leaderState, syncNamesChangedAtLsn: LEADER_LSN - 5 },
    },
    summary: leaderMsg,
    includes: ['dcs.write-sync leader=pg1 standbys=[pg2,pg3] quorum=1'],
    excludes: ['pg.set-synchronous-standby-names'],
  },
  {
    name: 'a voter is gone and the GUC keeps a name: the GUC drops it first, then /sync',
    given: {
      me: 'pg1',
      cluster: quorumCluster().withSync('pg1', ['pg2', 'pg3'], 1),
      pg: pgPrimary({ replication: [streaming('pg2', { syncState: 'quorum' })], ssn: 'ANY 1 (pg2,pg3)' }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['pg.set-synchronous-standby-names ANY 1 (pg2)', 'dcs.write-sync leader=pg1 standbys=[pg2]'],
  },
  {
    name: 'the last voter is gone: /sync drops it before the GUC becomes empty',
    given: {
      me: 'pg1',
      cluster: quorumCluster().withSync('pg1', ['pg2'], 0),
      pg: pgPrimary({ replication: [], ssn: 'ANY 1 (pg2)' }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['dcs.write-sync leader=pg1 standbys=[]', 'pg.set-synchronous-standby-names (none)'],
  },
  {
    name: 'the CAS on /sync fails: stop there',
    given: {
      me: 'pg1',
      cluster: quorumCluster().withSync('pg1', ['pg2', 'pg3'], 1),
      pg: pgPrimary({ replication: [streaming('pg2', { syncState: 'quorum' })], ssn: 'ANY 1 (pg2,pg3)' }),
      state: leaderState,
      respond: { 'dcs.write-sync': null },
    },
    summary: leaderMsg,
    includes: [
      'pg.set-synchronous-standby-names ANY 1 (pg2)',
      'log info: Synchronous replication key updated by someone else.',
    ],
  },
  {
    name: 'strict quorum mode without standbys keeps commits waiting on *',
    given: {
      me: 'pg1',
      cluster: quorumCluster().withConfig({ synchronous_mode_strict: true }).withSync('pg1', [], 0),
      pg: pgPrimary({ replication: [] }),
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['log warn: No standbys available!', 'pg.set-synchronous-standby-names *'],
  },
  {
    name: 'a new primary keeps the previous voters minus itself when safe with its GUC',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg1')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3'], 1),
      pg: pgPrimary({ replication: [], ssn: 'ANY 1 (pg3)' }),
      state: { role: 'primary', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'no action. I am (pg2), the leader with the lock',
    includes: [
      'dcs.write-sync leader=pg2 standbys=[pg3] quorum=1',
      'log info: Enabled synchronous replication',
    ],
  },
  {
    name: 'pre-promote in quorum mode: ANY |voters|-quorum-1 of the previous voters minus me, /sync untouched',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3', 'pg4'], 1),
      pg: pgReplica(),
      state: { role: 'replica', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'promoted self to leader because I had the session lock',
    includes: ['pg.set-synchronous-standby-names ANY 1 (pg3,pg4)', 'action.start promote'],
    excludes: ['dcs.write-sync'],
    verify: (run) => {
      expect(run.outcome.state.syncNamesChangedAtLsn).toBe(LEADER_LSN);
      expect(run.outcome.state.syncNamesSet).toEqual(['pg3', 'pg4']);
    },
  },
  {
    name: 'a new primary whose GUC does not cover the previous voters claims /sync with no voters',
    given: {
      me: 'pg2',
      cluster: aCluster()
        .withLeader('pg2')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: 'quorum' })
        .withSync('pg1', ['pg2', 'pg3'], 0),
      pg: pgPrimary({ replication: [], ssn: '' }),
      state: { role: 'primary', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'no action. I am (pg2), the leader with the lock',
    includes: ['dcs.write-sync leader=pg2 standbys=[]'],
  },
  {
    name: 'taking /sync over lost the CAS: nothing else this cycle',
    given: {
      me: 'pg1',
      cluster: quorumCluster(),
      pg: pgPrimary({ replication: [streaming('pg2')] }),
      state: leaderState,
      respond: { 'dcs.write-sync': null },
    },
    summary: leaderMsg,
    excludes: ['pg.set-synchronous-standby-names', 'log info: Enabled synchronous replication'],
  },
  {
    name: 'no status query this cycle: quorum bookkeeping waits',
    given: {
      me: 'pg1',
      cluster: quorumCluster(),
      pg: { ...pgPrimary(), query: null },
      state: leaderState,
    },
    summary: leaderMsg,
    excludes: ['dcs.write-sync', 'pg.set-synchronous-standby-names'],
  },
  {
    name: 'strict pre-promote of a non-voter: numsync counts me out, at least 1',
    given: {
      me: 'pg4',
      cluster: aCluster()
        .withLeader('pg4')
        .withReplica('pg3')
        .withConfig({ synchronous_mode: 'quorum', synchronous_mode_strict: true })
        .withSync('pg1', ['pg3'], 0),
      pg: pgReplica(),
      state: { role: 'replica', leaderExpiryMs: NOW_MS + 20_000 },
    },
    summary: 'promoted self to leader because I had the session lock',
    includes: ['pg.set-synchronous-standby-names ANY 1 (pg3)'],
  },
];

describe('quorum voters (postgres.md §10.1)', () => {
  it('takes every eligible standby, nofailover ones only while short of the count; PG 9.6 confirms sync/potential', () => {
    const members = aCluster()
      .withLeader('pg1')
      .withReplica('pg2')
      .withReplica('pg3', { tags: { nofailover: true } })
      .withReplica('pg4', { tags: { nofailover: true } })
      .build().members;
    const pick = pickSyncStandbys({
      me: 'pg1',
      replication: [
        streaming('pg2', { syncState: 'potential' }),
        streaming('pg3', { syncState: 'sync' }),
        streaming('pg4', { syncState: 'async' }),
      ],
      members,
      synchronousNodeCount: 2,
      strict: false,
      maximumLagOnSyncnodeBytes: -1,
      synchronousCommit: 'on',
      primaryFlushLsn: LEADER_LSN,
      serverVersion: 90600,
      currentSync: [],
      confirmationLsn: 0,
      quorum: true,
    });
    expect(pick).toEqual({ picked: ['pg2', 'pg3'], allowPromote: ['pg2', 'pg3'] });
  });
});

describe('quorum commit on the primary (decision table)', () => {
  for (const row of quorumCases) it(row.name, () => void checkCase(row));
});
