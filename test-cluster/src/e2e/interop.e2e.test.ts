import { afterAll, describe, expect, it } from 'vitest';
import { pythonPatroniCommand } from '../python-patroni/index.js';
import { ourAgentCommand } from './our-agent.js';
import {
  Cleanups,
  type E2eCluster,
  FAILOVER_BOUND_MS,
  finishWriter,
  listMembers,
  primaries,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForQueryableMembers,
  waitForReplication,
  waitForWrites,
} from './support.js';

const PYTHON_NODE = 'node3';

/** Both patronictls list the three members with one leader. */
async function expectBothListings(e2e: E2eCluster, leader: string): Promise<void> {
  for (const ctl of [e2e.ctl, e2e.pyctl]) {
    const members = await listMembers(ctl);
    expect(members.map((m) => m.Member).sort()).toEqual(['node1', 'node2', 'node3']);
    expect(members.filter((m) => m.Role === 'Leader').map((m) => m.Member)).toEqual([leader]);
  }
}

describe('interoperability: two of our agents and one Python Patroni 3.0.2 on one etcd', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('elect one leader, switch over to Python and fail over back to ours, both patronictls list it', async () => {
    const e2e = await startE2eCluster('interop', cleanups, {
      agentCommand: (name) => (name === PYTHON_NODE ? [pythonPatroniCommand('patroni')] : ourAgentCommand()),
    });
    const { cluster } = e2e;
    let leader = await cluster.waitForLeader();
    await waitForQueryableMembers(cluster);
    await expectBothListings(e2e, leader);
    console.log(`[interop] bootstrap leader: ${leader}`);

    // Ours → Python, through Python's patronictl (whichever agent leads, it answers POST /switchover).
    if (leader === PYTHON_NODE) {
      const toOurs = await e2e.pyctl(['switchover', '--leader', leader, '--candidate', 'node1', '--force']);
      expect(toOurs.stdout).toContain('Successfully switched over to "node1"');
      leader = (await waitForNewLeader(cluster, PYTHON_NODE, 30_000)).leader;
      await cluster.waitForAllRunning(30_000);
      await waitForQueryableMembers(cluster);
    }
    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 20, 10_000);
    const toPython = await e2e.pyctl([
      'switchover',
      '--leader',
      leader,
      '--candidate',
      PYTHON_NODE,
      '--force',
    ]);
    expect(toPython.exitCode, toPython.stderr).toBe(0);
    expect(toPython.stdout).toContain(`Successfully switched over to "${PYTHON_NODE}"`);
    await waitForNewLeader(cluster, leader, 30_000);
    expect(await cluster.waitForAllRunning(30_000)).toBe(PYTHON_NODE);
    await waitForReplication(e2e, cluster.node(leader));
    await expectBothListings(e2e, PYTHON_NODE);
    console.log(`[interop] ${leader} (ours) -> ${PYTHON_NODE} (Python) by Python's patronictl`);

    // Python's leader crashes: one of ours takes over, and Python Patroni rejoins behind it.
    await cluster.node(PYTHON_NODE).kill9();
    const takeover = await waitForNewLeader(cluster, PYTHON_NODE, FAILOVER_BOUND_MS);
    console.log(
      `[interop] ${PYTHON_NODE} (Python) killed; ${takeover.leader} (ours) leads after ${takeover.elapsedMs} ms`,
    );
    await waitForWrites(writer, 20, 15_000);
    const figures = await finishWriter('interop', writer);
    expect(figures.longestOutageMs).toBeLessThan(FAILOVER_BOUND_MS);
    expect(figures.lost).toBeLessThan(50);
    cluster.node(PYTHON_NODE).start();
    expect(await cluster.waitForAllRunning(60_000)).toBe(takeover.leader);
    await waitForReplication(e2e, cluster.node(PYTHON_NODE));
    expect(await primaries(cluster)).toEqual([takeover.leader]);
    await expectBothListings(e2e, takeover.leader);
  }, 240_000);
});
