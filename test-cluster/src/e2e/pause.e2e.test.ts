import { afterAll, describe, expect, it } from 'vitest';
import {
  Cleanups,
  FAILOVER_BOUND_MS,
  FAST_TIMING,
  finishWriter,
  listMembers,
  primaries,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForWrites,
} from './support.js';

describe('our agent: maintenance mode (pause)', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('does not fail over while paused; resume elects a new leader', async () => {
    const e2e = await startE2eCluster('pause', cleanups);
    const { cluster } = e2e;
    const oldLeader = await cluster.waitForLeader();

    const paused = await e2e.ctl(['pause', '--wait']);
    expect(paused.exitCode, paused.stderr).toBe(0);
    expect(paused.stdout).toContain('Success: cluster management is paused');
    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 10, 10_000);

    await cluster.node(oldLeader).kill9();
    // Well past the moment an unpaused cluster would have promoted someone: nobody may.
    const watchUntilMs = Date.now() + (FAST_TIMING.ttl + FAST_TIMING.loopWait + 4) * 1000;
    while (Date.now() < watchUntilMs) {
      expect(await primaries(cluster)).toEqual([]);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const members = await listMembers(e2e.ctl);
    expect(members.filter((m) => m.Role === 'Leader')).toEqual([]);

    const resumedAtMs = Date.now();
    const resumed = await e2e.ctl(['resume', '--wait']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Success: cluster management is resumed');
    const { leader, elapsedMs } = await waitForNewLeader(cluster, oldLeader, FAILOVER_BOUND_MS);
    console.log(
      `[pause] ${leader} leads ${Date.now() - resumedAtMs} ms after resume (waited ${elapsedMs} ms)`,
    );
    expect(Date.now() - resumedAtMs).toBeLessThan(FAST_TIMING.loopWait * 1000 + 15_000);
    expect(await primaries(cluster)).toEqual([leader]);

    await waitForWrites(writer, 10, 15_000);
    const figures = await finishWriter('pause', writer);
    // Paused: the outage lasts until resume, by design; asynchronous replication may lose the last writes.
    expect(figures.lost).toBeLessThan(50);
  }, 180_000);
});
