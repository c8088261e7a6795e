import { type EtcdServer, startEtcd } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { fastTiming, memoryLogger } from '../test-helpers.js';
import { createEtcd2Kv } from './create-etcd2-kv.js';
import type { Etcd2Kv } from './etcd2-kv.js';

let etcd: EtcdServer;
const open: Etcd2Kv[] = [];

async function kvFor(scope: string): Promise<Etcd2Kv> {
  const config = parseEtcdConfig('etcd', { host: `127.0.0.1:${etcd.clientPort}` });
  const kv = await createEtcd2Kv(config, {
    basePath: `/service/${scope}`,
    timing: fastTiming,
    logger: memoryLogger(),
  });
  open.push(kv);
  return kv;
}

async function rawGet(path: string): Promise<{ node?: { ttl?: number; value?: string } }> {
  return (await (await fetch(`${etcd.endpoint}/v2/keys${path}`)).json()) as { node?: { ttl?: number } };
}

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close({ keepSession: true })));
  await etcd?.stop();
});

describe('Etcd2Kv against a real etcd (v2 keys API)', () => {
  it('reads an absent cluster as empty', async () => {
    const kv = await kvFor('nothing');
    expect((await kv.readAll({ consistent: false })).nodes).toEqual([]);
  });

  it('writes with prevExist / prevIndex / prevValue conditions', async () => {
    const kv = await kvFor('cond');
    expect((await kv.write('initialize', '123', { condition: { kind: 'absent' } })).ok).toBe(true);
    expect((await kv.write('initialize', '456', { condition: { kind: 'absent' } })).ok).toBe(false);
    const config = await kv.write('config', '{}', {});
    if (!config.ok) throw new Error('write failed');
    expect((await kv.write('config', '{"a":1}', { condition: { kind: 'version', version: '1' } })).ok).toBe(
      false,
    );
    expect(
      (await kv.write('config', '{"a":1}', { condition: { kind: 'version', version: config.version } })).ok,
    ).toBe(true);
    expect((await kv.write('sync', 'x', { condition: { kind: 'version', version: '5' } })).ok).toBe(false);
    expect((await kv.write('leader', 'pg1', { condition: { kind: 'value', value: 'pg1' } })).ok).toBe(false);
    await kv.write('leader', 'pg1', { ephemeral: true, condition: { kind: 'absent' } });
    expect(
      (await kv.write('leader', 'pg1', { ephemeral: true, condition: { kind: 'value', value: 'pg1' } })).ok,
    ).toBe(true);
    expect((await kv.write('leader', 'pg2', { condition: { kind: 'value', value: 'pg2' } })).ok).toBe(false);
    const nodes = (await kv.readAll({ consistent: true })).nodes;
    expect(nodes.map((n) => n.key)).toEqual(['config', 'initialize', 'leader']);
    const leader = nodes.find((n) => n.key === 'leader');
    expect(leader?.session).toBe('10');
    expect(Number(leader?.altVersion)).toBeGreaterThan(Number(leader?.version));
  });

  it('ephemeral keys carry ttl=<ttl>', async () => {
    const kv = await kvFor('ttl');
    await kv.write('members/pg1', '{"role":"replica"}', { ephemeral: true });
    const got = await rawGet('/service/ttl/members/pg1');
    expect(got.node?.ttl).toBeGreaterThan(8);
    expect(got.node?.ttl).toBeLessThanOrEqual(10);
  });

  it('removes by value and by index; close deletes own ephemeral keys', async () => {
    const kv = await kvFor('rm');
    await kv.write('leader', 'pg1', { ephemeral: true });
    expect(await kv.remove('leader', { kind: 'value', value: 'pg2' })).toBe(false);
    expect(await kv.remove('leader', { kind: 'value', value: 'pg1' })).toBe(true);
    expect(await kv.remove('leader', { kind: 'value', value: 'pg1' })).toBe(false);
    const sync = await kv.write('sync', '{}', {});
    if (!sync.ok) throw new Error('write failed');
    expect(await kv.remove('sync', { kind: 'version', version: '1' })).toBe(false);
    expect(await kv.remove('sync', { kind: 'version', version: sync.version })).toBe(true);
    const other = await kvFor('rm');
    await other.write('members/other', '{}', { ephemeral: true });
    await other.write('config', '{}', {});
    await other.close();
    expect((await kv.readAll({ consistent: true })).nodes.map((n) => n.key)).toEqual(['config']);
    await kv.removeAll();
    expect((await kv.readAll({ consistent: true })).nodes).toEqual([]);
  });

  it('watch uses the leader watch index: wakes on change, times out otherwise', async () => {
    const kv = await kvFor('watch');
    await kv.write('leader', 'pg1', { ephemeral: true });
    await kv.write('members/pg1', '{}', { ephemeral: true });
    const leader = (await kv.readAll({ consistent: false })).nodes.find((n) => n.key === 'leader');
    if (!leader?.altVersion) throw new Error('no leader watch index');
    const t0 = Date.now();
    expect(await kv.watch('leader', leader.altVersion, 1_200)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_100);
    // Passing the plain version works too (translated to the watch index from the last read).
    const pending = kv.watch('leader', leader.version, 5_000);
    const other = await kvFor('watch');
    await other.write('leader', 'pg2', {});
    expect(await pending).toBe(true);
    expect(await kv.watch('leader', leader.altVersion, 5_000)).toBe(true);
  });
});
