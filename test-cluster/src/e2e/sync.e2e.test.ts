import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Cleanups,
  FAILOVER_BOUND_MS,
  finishWriter,
  type ListedMember,
  listMembers,
  runCommand,
  SCOPE,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForWrites,
} from './support.js';

describe('our agent: synchronous_mode_strict', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('promotes only the sync standby after kill -9 of the primary and loses no acknowledged write', async () => {
    const e2e = await startE2eCluster('sync', cleanups, { synchronousMode: 'strict' });
    const { cluster } = e2e;
    const oldLeader = await cluster.waitForLeader();
    let members: ListedMember[] = [];
    await waitUntil(
      'one Sync Standby listed',
      async () => {
        members = await listMembers(e2e.ctl);
        return members.filter((m) => m.Role === 'Sync Standby').length === 1;
      },
      30_000,
    );
    const syncStandby = members.find((m) => m.Role === 'Sync Standby')?.Member;
    // The same fact straight from etcd: /sync names the leader and its sync standby.
    const syncKey = await runCommand([
      'etcdctl',
      `--endpoints=${e2e.etcd.endpoint}`,
      'get',
      '--print-value-only',
      `/service/${SCOPE}/sync`,
    ]);
    expect(syncKey.exitCode, syncKey.stderr).toBe(0);
    expect(JSON.parse(syncKey.stdout)).toMatchObject({ leader: oldLeader, sync_standby: syncStandby });

    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 50, 15_000);
    await cluster.node(oldLeader).kill9();
    const { leader, elapsedMs } = await waitForNewLeader(cluster, oldLeader, FAILOVER_BOUND_MS);
    console.log(
      `[sync] ${oldLeader} killed; ${leader} (sync standby was ${syncStandby}) leads after ${elapsedMs} ms`,
    );
    expect(leader).toBe(syncStandby);
    // Strict mode: writes resume once the remaining replica became the new sync standby.
    await waitForWrites(writer, 20, 30_000);
    const figures = await finishWriter('sync', writer);
    expect(figures.lost).toBe(0);
    expect(figures.longestOutageMs).toBeLessThan(FAILOVER_BOUND_MS);
  }, 180_000);
});
