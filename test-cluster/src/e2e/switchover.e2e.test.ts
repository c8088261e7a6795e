import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Cleanups,
  type E2eCluster,
  finishWriter,
  restPost,
  SCOPE,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForQueryableMembers,
  waitForReplication,
  waitForWrites,
} from './support.js';

/** The member names other than `leader`, sorted. */
function othersThan(e2e: E2eCluster, leader: string): [string, string] {
  const [a, b] = e2e.cluster.nodes.map((n) => n.name).filter((name) => name !== leader);
  if (!a || !b) throw new Error('needs three nodes');
  return [a, b];
}

/**
 * Waits for `name` to lead and every member to run and replicate from it again. A demoted node is no
 * candidate while it restarts, and handing over to a replica that still follows the previous leader would
 * lose the new leader's first writes (Patroni checks only lag, not the upstream, by default).
 */
async function expectLeader(e2e: E2eCluster, name: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(`${name} is the leader`, async () => (await e2e.cluster.leaderName()) === name, timeoutMs);
  expect(await e2e.cluster.waitForLeader(timeoutMs)).toBe(name);
  expect(await e2e.cluster.waitForAllRunning(timeoutMs)).toBe(name);
  await waitForQueryableMembers(e2e.cluster, timeoutMs);
  for (const node of e2e.cluster.nodes.filter((n) => n.name !== name)) await waitForReplication(e2e, node);
}

describe('our agent: planned switchover and manual failover', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('switches over through patronictl and REST, on schedule, refuses bad candidates, fails over', async () => {
    const e2e = await startE2eCluster('switchover', cleanups);
    const first = await e2e.cluster.waitForLeader();
    const [second, third] = othersThan(e2e, first);
    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 10, 10_000);

    // 1. patronictl switchover (ours)
    let startedMs = Date.now();
    const ctlSwitch = await e2e.ctl(['switchover', '--primary', first, '--candidate', second, '--force']);
    expect(ctlSwitch.exitCode, ctlSwitch.stderr).toBe(0);
    expect(ctlSwitch.stdout).toContain(`Successfully switched over to "${second}"`);
    await expectLeader(e2e, second);
    console.log(`[switchover] patronictl ${first} -> ${second}: ${Date.now() - startedMs} ms`);

    // 2. POST /switchover
    startedMs = Date.now();
    const rest = await restPost(e2e.node(second), '/switchover', { leader: second, candidate: first });
    expect(rest).toEqual({ status: 200, text: `Successfully switched over to "${first}"` });
    await expectLeader(e2e, first);
    console.log(`[switchover] REST ${second} -> ${first}: ${Date.now() - startedMs} ms`);

    // 3. refused: an unknown candidate, and one whose agent does not answer
    const unknown = await restPost(e2e.node(first), '/switchover', { leader: first, candidate: 'nosuch' });
    expect(unknown).toEqual({ status: 412, text: 'candidate does not exists' });
    const unknownCtl = await e2e.ctl(['switchover', '--primary', first, '--candidate', 'nosuch', '--force']);
    expect(unknownCtl.exitCode).toBe(1);
    expect(unknownCtl.stderr).toContain(
      `Error: Member nosuch does not exist in cluster ${SCOPE} or is tagged as nofailover`,
    );
    await e2e.node(third).kill9();
    const unhealthy = await restPost(e2e.node(first), '/switchover', { leader: first, candidate: third });
    expect(unhealthy).toEqual({
      status: 412,
      text: 'switchover is not possible: no good candidates have been found',
    });
    expect(await e2e.cluster.leaderName()).toBe(first);
    e2e.node(third).start();
    await e2e.cluster.waitForAllRunning(60_000);
    await waitForQueryableMembers(e2e.cluster);

    // 4. scheduled switchover, a few seconds ahead
    const atMs = Date.now() + 8_000;
    const at = new Date(atMs).toISOString().replace('Z', '+00:00');
    const scheduled = await e2e.ctl([
      'switchover',
      '--primary',
      first,
      '--candidate',
      third,
      '--scheduled',
      at,
      '--force',
    ]);
    expect(scheduled.exitCode, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain('Switchover scheduled');
    const pending = await e2e.ctl(['list']);
    expect(pending.stdout).toContain(' Switchover scheduled at: ');
    expect(await e2e.cluster.leaderName()).toBe(first);
    const { leader: afterSchedule } = await waitForNewLeader(e2e.cluster, first, 40_000);
    expect(afterSchedule).toBe(third);
    await expectLeader(e2e, third);
    expect(Date.now()).toBeGreaterThanOrEqual(atMs);
    console.log(`[switchover] scheduled ${first} -> ${third}: leader ${Date.now() - atMs} ms after the time`);

    // 5. patronictl failover
    startedMs = Date.now();
    const failover = await e2e.ctl(['failover', '--candidate', second, '--force']);
    expect(failover.exitCode, failover.stderr).toBe(0);
    expect(failover.stdout).toContain(`Successfully failed over to "${second}"`);
    await expectLeader(e2e, second);
    console.log(`[switchover] patronictl failover ${third} -> ${second}: ${Date.now() - startedMs} ms`);

    await e2e.cluster.waitForAllRunning(60_000);
    await waitForWrites(writer, 10, 15_000);
    const figures = await finishWriter('switchover', writer);
    expect(figures.lost).toBe(0);
    expect(figures.longestOutageMs).toBeLessThan(15_000);
  }, 240_000);
});
