import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { startWriter } from '../writer/index.js';
import {
  acceptsWrites,
  Cleanups,
  FAST_TIMING,
  finishWriter,
  primaries,
  startE2eCluster,
  waitForWrites,
} from './support.js';

describe('our agent: the DCS (etcd) goes away', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('without failsafe_mode the primary stops accepting writes within ttl; automation resumes with etcd', async () => {
    const e2e = await startE2eCluster('dcs-outage', cleanups);
    const { cluster, etcd } = e2e;
    const leader = await cluster.waitForLeader();
    const leaderUrl = cluster.node(leader).connectionString;

    // failsafe_mode off: the leader cannot renew its key, so it must stop accepting writes before it expires.
    const writer = await startWriter({ connectionString: e2e.primaryUrl, table: 'probe_no_failsafe' });
    await waitForWrites(writer, 10, 10_000);
    const pausedAtMs = Date.now();
    await etcd.pause();
    await waitUntil(
      'the primary refuses writes',
      async () => !(await acceptsWrites(leaderUrl)),
      FAST_TIMING.ttl * 1000,
    );
    const refusedAfterMs = Date.now() - pausedAtMs;
    console.log(
      `[dcs-outage] failsafe off: ${leader} refuses writes ${refusedAfterMs} ms after etcd stopped`,
    );
    expect(refusedAfterMs).toBeLessThan(FAST_TIMING.ttl * 1000);
    // Without the DCS nobody may run as primary, however long the outage lasts.
    const holdUntilMs = pausedAtMs + (FAST_TIMING.ttl + FAST_TIMING.loopWait + 2) * 1000;
    while (Date.now() < holdUntilMs) {
      expect(await primaries(cluster)).toEqual([]);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await etcd.restart();
    const restartedAtMs = Date.now();
    const newLeader = await cluster.waitForLeader(30_000);
    await waitForWrites(writer, 10, 30_000);
    console.log(
      `[dcs-outage] etcd back: ${newLeader} leads, writes resume ${Date.now() - restartedAtMs} ms later`,
    );
    const figures = await finishWriter('dcs-outage', writer);
    expect(figures.lost).toBe(0);
    expect(figures.longestOutageMs).toBeLessThan(FAST_TIMING.ttl * 1000 + 30_000);
    expect(await cluster.waitForAllRunning(30_000)).toBe(newLeader);
  }, 240_000);

  it('with failsafe_mode on and every member reachable the primary keeps serving through the outage', async () => {
    const e2e = await startE2eCluster('dcs-outage-failsafe', cleanups);
    const { cluster, etcd } = e2e;
    const leader = await cluster.waitForLeader();
    const edited = await e2e.ctl(['edit-config', '-s', 'failsafe_mode=true', '--force']);
    expect(edited.exitCode, edited.stderr + edited.stdout).toBe(0);
    // The leader publishes /failsafe (every member's api_url) after its next renewal.
    await waitUntil(
      '/failsafe lists every member',
      async () => {
        const answer = await fetch(`http://127.0.0.1:${cluster.node(leader).restPort}/failsafe`).catch(
          () => null,
        );
        const body = answer?.ok ? ((await answer.json()) as Record<string, string>) : {};
        return cluster.nodes.every((n) => n.name in body);
      },
      30_000,
    );
    const writer = await startWriter({ connectionString: e2e.primaryUrl, table: 'probe_failsafe' });
    await waitForWrites(writer, 10, 10_000);
    await etcd.pause();
    const holdUntilMs = Date.now() + (FAST_TIMING.ttl + FAST_TIMING.loopWait + 6) * 1000;
    while (Date.now() < holdUntilMs) {
      expect(await primaries(cluster)).toEqual([leader]);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await etcd.restart();
    await waitForWrites(writer, 10, 30_000);
    const figures = await finishWriter('dcs-outage-failsafe', writer);
    console.log(
      `[dcs-outage] failsafe on: ${leader} kept serving; longest outage ${figures.longestOutageMs} ms`,
    );
    expect(figures.lost).toBe(0);
    expect(figures.longestOutageMs).toBeLessThan(5_000);
    expect(await cluster.waitForLeader(30_000)).toBe(leader);
  }, 240_000);
});
