import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { PythonPatroniNode } from '../python-patroni/index.js';
import {
  Cleanups,
  listMembers,
  pgRole,
  SCOPE,
  sql,
  startE2eCluster,
  waitForQueryableMembers,
} from './support.js';

async function setting(node: PythonPatroniNode, name: string): Promise<string | undefined> {
  const rows = await sql(node.connectionString, `SHOW ${name}`).catch(() => []);
  return rows[0]?.[name] as string | undefined;
}

/** Sets postgresql.parameters.<name> in the node's own patroni.yml (what an operator edits before a reload). */
async function setLocalParameter(node: PythonPatroniNode, name: string, value: string): Promise<void> {
  const config = parse(await readFile(node.configFile, 'utf8')) as {
    postgresql: { parameters: Record<string, string> };
  };
  config.postgresql.parameters[name] = value;
  await writeFile(node.configFile, stringify(config, { lineWidth: 0 }), { mode: 0o600 });
}

describe('our agent: pending restart, reload and reinit through patronictl', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('restarts members pending restart, reloads local config, reinitializes a replica', async () => {
    const e2e = await startE2eCluster('restart', cleanups);
    const { cluster } = e2e;
    const leader = await cluster.waitForLeader();

    // 1. reload: parameters changed in each node's own YAML; work_mem applies at once, shared_buffers (a
    //    restart-only parameter) leaves every member pending restart. (A change of the dynamic config through
    //    `edit-config -p` is not applied by our agent until a reload or restart: see the e2e report.)
    for (const node of cluster.nodes) {
      await setLocalParameter(node, 'work_mem', '7MB');
      await setLocalParameter(node, 'shared_buffers', '48MB');
    }
    const pidsBefore = cluster.nodes.map((n) => n.postmasterPid());
    const reloaded = await e2e.ctl(['reload', SCOPE, '--force']);
    expect(reloaded.exitCode, reloaded.stderr).toBe(0);
    for (const node of cluster.nodes)
      expect(reloaded.stdout).toContain(`Reload request received for member ${node.name}`);
    await waitUntil(
      'work_mem reloaded everywhere, every member pending restart',
      async () =>
        (await Promise.all(cluster.nodes.map((n) => setting(n, 'work_mem')))).every((v) => v === '7MB') &&
        (await listMembers(e2e.ctl)).every((m) => m['Pending restart'] === '*'),
      30_000,
    );
    expect(cluster.nodes.map((n) => n.postmasterPid())).toEqual(pidsBefore);

    // 2. restart --pending restarts them all; the leader keeps its lock.
    let startedMs = Date.now();
    const restarted = await e2e.ctl(['restart', SCOPE, '--force', '--pending'], 120_000);
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    for (const node of cluster.nodes)
      expect(restarted.stdout).toContain(`Success: restart on member ${node.name}`);
    await waitUntil(
      'shared_buffers applied everywhere, nothing pending',
      async () => {
        const values = await Promise.all(cluster.nodes.map((n) => setting(n, 'shared_buffers')));
        const members = await listMembers(e2e.ctl);
        return values.every((v) => v === '48MB') && members.every((m) => !m['Pending restart']);
      },
      60_000,
    );
    for (const [i, node] of cluster.nodes.entries()) expect(node.postmasterPid()).not.toBe(pidsBefore[i]);
    expect(await cluster.leaderName()).toBe(leader);
    console.log(`[restart] pending restart of 3 members: ${Date.now() - startedMs} ms`);

    // 3. reinit of a replica: its data directory is cloned again from the leader.
    const replica = cluster.nodes.find((n) => n.name !== leader);
    if (!replica) throw new Error('no replica');
    await sql(cluster.node(leader).connectionString, 'CREATE TABLE e2e_reinit AS SELECT 42 AS answer');
    const marker = join(replica.dataDir, 'e2e-marker');
    await writeFile(marker, 'gone after reinit');
    await waitForQueryableMembers(cluster);
    startedMs = Date.now();
    const reinit = await e2e.ctl(['reinit', SCOPE, replica.name, '--force', '--wait'], 120_000);
    expect(reinit.exitCode, reinit.stderr).toBe(0);
    expect(reinit.stdout).toContain(`Success: reinitialize for member ${replica.name}`);
    expect(reinit.stdout).toContain(`Reinitialize is completed on: ${replica.name}`);
    await waitUntil(
      `${replica.name} streams again with the leader's data`,
      async () =>
        (await pgRole(replica.connectionString)) === 'replica' &&
        (await sql(replica.connectionString, 'SELECT answer FROM e2e_reinit').catch(() => []))[0]?.answer ===
          42,
      60_000,
    );
    expect(existsSync(marker)).toBe(false);
    await cluster.waitForAllRunning(30_000);
    console.log(`[restart] reinit of ${replica.name}: ${Date.now() - startedMs} ms`);
  }, 180_000);
});
