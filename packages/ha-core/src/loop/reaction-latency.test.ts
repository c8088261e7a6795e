// How fast the loop reacts between cycles (loop_wait 10 s here): watches and finished actions bring the next
// cycle forward instead of waiting out loop_wait.
import { afterEach, describe, expect, it } from 'vitest';
import { SimCluster } from './test-support/sim-cluster.js';

let sim: SimCluster | null = null;
afterEach(async () => {
  await sim?.shutdownAll();
  sim = null;
});

function cluster(): SimCluster {
  sim = new SimCluster();
  return sim;
}

/** Advances in 10 ms steps until `condition` holds; the virtual time it took. */
async function msUntil(s: SimCluster, condition: () => boolean, maxMs = 30_000): Promise<number> {
  const startMs = s.clock.now();
  expect(await s.clock.advanceUntil(condition, maxMs, 10)).toBe(true);
  return s.clock.now() - startMs;
}

async function stableCluster(names: readonly string[]): Promise<SimCluster> {
  const s = cluster();
  for (const name of names) s.addNode(name);
  for (const name of names) s.start(name);
  await s.advance(40_000);
  expect(s.leader()).toBe(names[0]);
  return s;
}

describe('reaction latencies of the HA loop', () => {
  it('replicas waiting for the bootstrap clone as soon as the leader key appears', async () => {
    const s = cluster();
    for (const name of ['pg1', 'pg2', 'pg3']) s.addNode(name).bootstrapMs = 3_000;
    for (const name of ['pg1', 'pg2', 'pg3']) s.start(name);
    await msUntil(s, () => s.leader() === 'pg1');
    const cloneMs = await msUntil(s, () =>
      ['pg2', 'pg3'].every((n) => s.node(n).pg.running && s.node(n).pg.upstream === 'pg1'),
    );
    expect(cloneMs).toBeLessThan(1_000);
  });

  it('the leader creates the slot of a new member right after its member key appears', async () => {
    const s = await stableCluster(['pg1', 'pg2']);
    await s.advance(3_000); // mid-way between the leader's cycles
    const pg3 = s.addNode('pg3');
    pg3.startWaitsForSlot = true;
    s.start('pg3');
    await msUntil(s, () => s.store.get('members/pg3') !== null);
    const slotMs = await msUntil(s, () => s.node('pg1').pg.slotNames.includes('pg3'));
    expect(slotMs).toBeLessThan(500);
    // The new replica's start (which needs WAL through that slot) ends and the next cycle follows at once.
    const streamingMs = await msUntil(s, () =>
      (s.node('pg3').loop.getStatus().lastSummary ?? '').startsWith('no action. I am (pg3), a secondary'),
    );
    expect(streamingMs).toBeLessThan(1_000);
  });

  it('a background start that ends wakes the loop: no loop_wait of silence after "starting as a secondary"', async () => {
    const s = await stableCluster(['pg1', 'pg2']);
    const replica = s.node('pg2');
    replica.pg.startMs = 2_000;
    replica.pg.crash();
    await msUntil(s, () => replica.loop.getStatus().lastSummary === 'starting as a secondary');
    const doneMs = await msUntil(s, () => replica.pg.running);
    const nextCycleMs = await msUntil(
      s,
      () =>
        replica.loop.getStatus().lastSummary ===
        'no action. I am (pg2), a secondary, and following a leader (pg1)',
    );
    expect(doneMs).toBeGreaterThanOrEqual(2_000);
    expect(nextCycleMs).toBeLessThan(100);
    expect(s.transcript.some((l) => l.includes('restarting after failure in progress'))).toBe(false);
  });

  it('switchover: the key is released right after the stop, the candidate takes it at once', async () => {
    const s = await stableCluster(['pg1', 'pg2', 'pg3']);
    s.world.writeRateBytes = 0; // the replicas have the primary's last position, as before a real switchover
    await s.advance(20_000);
    const old = s.node('pg1').pg;
    old.shutdownLingerMs = 50; // the postmaster exits 50 ms after its shutdown checkpoint
    s.store.write('failover', JSON.stringify({ leader: 'pg1', member: 'pg2' }));
    await msUntil(s, () => old.shutdownCheckpointAtMs !== null);
    const releasedMs = await msUntil(s, () => s.leader() !== 'pg1');
    expect(releasedMs).toBeLessThanOrEqual(100);
    await msUntil(s, () => s.leader() === 'pg2', 100);
    expect(
      s.transcript.some((l) => l.includes('pg1   action.start starting after demotion (replica <- pg2)')),
    ).toBe(true);
  });

  it('a postmaster still up 3 s after its shutdown checkpoint: released early, 1 s after it', async () => {
    const s = await stableCluster(['pg1', 'pg2', 'pg3']);
    s.world.writeRateBytes = 0;
    await s.advance(20_000);
    const old = s.node('pg1').pg;
    old.shutdownLingerMs = 3_000;
    let leaderAtExit: string | null | undefined;
    old.afterShutdownCheckpoint = () => {
      leaderAtExit = s.leader();
    };
    s.store.write('failover', JSON.stringify({ leader: 'pg1', member: 'pg2' }));
    await msUntil(s, () => old.shutdownCheckpointAtMs !== null);
    const releasedMs = await msUntil(s, () => s.leader() !== 'pg1');
    expect(releasedMs).toBeGreaterThanOrEqual(1_000);
    expect(releasedMs).toBeLessThan(1_100);
    await s.advance(3_000);
    expect(leaderAtExit).not.toBe('pg1');
  });

  it('a leader without a caught-up candidate keeps the key until its postmaster is gone', async () => {
    const s = await stableCluster(['pg1']);
    const old = s.node('pg1').pg;
    old.shutdownLingerMs = 3_000;
    let leaderAtExit: string | null | undefined;
    old.afterShutdownCheckpoint = () => {
      leaderAtExit = s.leader();
    };
    await s.stop('pg1');
    expect(leaderAtExit).toBe('pg1');
    expect(s.leader()).toBeNull();
  });

  it('non-leaders wake on a new leader after a failover: the loser follows the winner at once', async () => {
    const s = await stableCluster(['pg1', 'pg2', 'pg3']);
    await s.kill('pg1');
    s.node('pg1').pg.crash();
    const promotedMs = await msUntil(s, () => s.leader() !== null && s.leader() !== 'pg1', 60_000);
    expect(promotedMs).toBeLessThanOrEqual(30_000 + 10_500);
    const winner = s.leader() ?? '';
    const loser = winner === 'pg2' ? 'pg3' : 'pg2';
    const followMs = await msUntil(s, () => s.node(loser).pg.upstream === winner);
    expect(followMs).toBeLessThan(3_000);
  });
});
