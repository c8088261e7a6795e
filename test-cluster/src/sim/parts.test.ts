import { describe, expect, it } from 'vitest';
import type { AckedCommit } from './client.js';
import { type ElectionView, InvariantChecker, type WritersView } from './invariants.js';
import { Prng } from './prng.js';
import { Scheduler } from './scheduler.js';
import { commitAcknowledged, parseSyncNames, syncStates } from './sync-names.js';
import { Wal, type WalRecord } from './wal.js';

describe('Prng', () => {
  it('replays the same stream for the same seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 8 }, () => prng.nextUint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('keeps int() within bounds', () => {
    const prng = new Prng(1);
    for (let i = 0; i < 1000; i++) {
      const n = prng.int(3, 7);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(7);
    }
  });
});

describe('Scheduler', () => {
  it('runs events in time order, ties in insertion order, and lets promise chains finish in between', async () => {
    const scheduler = new Scheduler();
    const seen: string[] = [];
    scheduler.schedule(20, () => seen.push('b@20'));
    scheduler.schedule(10, () => seen.push('a@10'));
    scheduler.schedule(20, () => seen.push('c@20'));
    void (async () => {
      await scheduler.sleep(15);
      await Promise.resolve();
      seen.push(`sleeper@${scheduler.nowMs}`);
    })();
    await scheduler.runUntil(100, () => undefined);
    expect(seen).toEqual(['a@10', 'sleeper@15', 'b@20', 'c@20']);
    expect(scheduler.nowMs).toBe(100);
  });
});

describe('synchronous_standby_names', () => {
  it('parses FIRST, ANY, plain lists and *', () => {
    expect(parseSyncNames('')).toBeNull();
    expect(parseSyncNames('*')).toEqual({ method: 'first', count: 1, names: ['*'] });
    expect(parseSyncNames('2 (pg2,"pg3")')).toEqual({ method: 'first', count: 2, names: ['pg2', 'pg3'] });
    expect(parseSyncNames('ANY 1 (pg2, pg3)')).toEqual({ method: 'any', count: 1, names: ['pg2', 'pg3'] });
  });

  it('acknowledges a commit only when the chosen standbys flushed it', () => {
    const flush = new Map([
      ['pg2', 100],
      ['pg3', 50],
    ]);
    expect(commitAcknowledged(parseSyncNames('pg3'), flush, 80)).toBe(false);
    expect(commitAcknowledged(parseSyncNames('pg2'), flush, 80)).toBe(true);
    expect(commitAcknowledged(parseSyncNames('ANY 1 (pg2,pg3)'), flush, 80)).toBe(true);
    expect(commitAcknowledged(parseSyncNames('ANY 2 (pg2,pg3)'), flush, 80)).toBe(false);
    // FIRST 1 with nobody connected waits.
    expect(commitAcknowledged(parseSyncNames('*'), new Map(), 1)).toBe(false);
    expect(syncStates(parseSyncNames('2 (pg3,pg2,pg4)'), ['pg2', 'pg3', 'pg4', 'pg9'])).toEqual(
      new Map([
        ['pg2', 'sync'],
        ['pg3', 'sync'],
        ['pg4', 'potential'],
        ['pg9', 'async'],
      ]),
    );
  });
});

function record(uid: number, startLsn: number, tli: number): WalRecord {
  return { uid, startLsn, endLsn: startLsn + 10, tli, kind: 'commit', commitId: uid };
}

describe('Wal', () => {
  it('tells prefixes, common prefixes and timeline switches apart', () => {
    const primary = new Wal();
    for (let i = 1; i <= 5; i++) primary.append(record(i, i * 10, 1), 0);
    const replica = new Wal();
    replica.copyFrom(primary, 3, 0);
    expect(replica.isPrefixOf(primary)).toBe(true);
    const forked = new Wal();
    forked.copyFrom(primary, 3, 0);
    forked.append(record(99, 40, 2), 0);
    expect(forked.isPrefixOf(primary)).toBe(false);
    expect(forked.commonPrefixLength(primary)).toBe(3);
    expect(forked.history()).toEqual([{ parentTli: 1, tli: 2, switchLsn: 40 }]);
  });
});

const calmWriters: WritersView = {
  nowMs: 100_000,
  ttlMs: 30_000,
  exempt: false,
  writers: ['pg1'],
  pausedWriters: new Set(),
  keyHolder: 'pg1',
  failsafeRenewedAtMs: new Map(),
  leaseRenewedAtMs: new Map([['pg1', 95_000]]),
};

const calmElection: ElectionView = {
  atMs: 1000,
  node: 'pg2',
  nofailover: false,
  paused: false,
  synchronousMode: 'on',
  sync: { leader: 'pg1', standbys: ['pg2'] },
  failover: null,
  statusOptime: 1000,
  walEndLsn: 1000,
  maximumLagOnFailoverBytes: 100,
};

describe('InvariantChecker fed hand-made histories', () => {
  it('accepts a healthy history', () => {
    const checker = new InvariantChecker();
    checker.checkWriters(calmWriters);
    checker.checkElection(calmElection);
    checker.checkHistory(
      0,
      'pg2',
      [[1, 500]],
      [{ node: 'pg2', atMs: 0, parentTli: 1, tli: 2, switchLsn: 500 }],
    );
    expect(checker.violations).toEqual([]);
  });

  it('catches a second writer outside its lease window (invariant 1), once per episode', () => {
    const checker = new InvariantChecker();
    const view = { ...calmWriters, writers: ['pg1', 'pg2'], leaseRenewedAtMs: new Map([['pg2', 60_000]]) };
    checker.checkWriters(view);
    checker.checkWriters({ ...view, nowMs: 100_500 });
    expect(checker.violations.map((v) => [v.invariant, v.node])).toEqual([[1, 'pg2']]);
    // Still inside the old leader's lease: tolerated.
    const inside = new InvariantChecker();
    inside.checkWriters({ ...view, leaseRenewedAtMs: new Map([['pg2', 75_000]]) });
    expect(inside.violations).toEqual([]);
  });

  it('catches lost acknowledged commits (invariant 2)', () => {
    const checker = new InvariantChecker();
    const acked: AckedCommit[] = [
      { commitId: 7, node: 'pg1', ref: { index: 3, uid: 42, endLsn: 900 }, atMs: 1, byLeaseHolder: true },
    ];
    checker.checkNoAckedCommitLost(5, 'pg2', acked, () => false);
    expect(checker.violations[0]?.invariant).toBe(2);
  });

  it('catches elections that break the sync, nofailover and lag rules (invariants 3, 4, 5)', () => {
    const checker = new InvariantChecker();
    checker.checkElection({ ...calmElection, node: 'pg3' });
    checker.checkElection({ ...calmElection, nofailover: true });
    checker.checkElection({ ...calmElection, walEndLsn: 800 });
    expect(checker.violations.map((v) => v.invariant)).toEqual([3, 4, 5]);
    // A manual failover to the async node is the operator's choice, and skips the lag check.
    const manual = new InvariantChecker();
    manual.checkElection({
      ...calmElection,
      node: 'pg3',
      walEndLsn: 800,
      failover: { leader: null, member: 'pg3' },
    });
    expect(manual.violations).toEqual([]);
  });

  it('catches timelines that do not increase and /history entries that match no promotion (invariant 6)', () => {
    const checker = new InvariantChecker();
    checker.checkPromotion({ node: 'pg2', atMs: 1, parentTli: 3, tli: 3, switchLsn: 10 });
    checker.checkHistory(
      2,
      'pg2',
      [
        [2, 10],
        [1, 5],
      ],
      [],
    );
    expect(checker.violations.map((v) => v.invariant)).toEqual([6, 6, 6, 6]);
  });

  it('reports a liveness problem (invariant 7)', () => {
    const checker = new InvariantChecker();
    checker.checkLiveness(1, null);
    checker.checkLiveness(2, 'no leader 70s after healing');
    expect(checker.violations.map((v) => [v.invariant, v.message])).toEqual([
      [7, 'no leader 70s after healing'],
    ]);
  });
});
