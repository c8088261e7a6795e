import { type EtcdServer, startEtcd } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { fastTiming, gatewayPost, memoryLogger, revokeLease } from '../test-helpers.js';
import { createEtcd3Kv } from './create-etcd3-kv.js';
import type { Etcd3Kv } from './etcd3-kv.js';

let etcd: EtcdServer;
const open: Etcd3Kv[] = [];

async function kvFor(scope: string, timing = fastTiming): Promise<Etcd3Kv> {
  const config = parseEtcdConfig('etcd3', { host: `127.0.0.1:${etcd.clientPort}` });
  const kv = await createEtcd3Kv(config, { basePath: `/service/${scope}`, timing, logger: memoryLogger() });
  open.push(kv);
  return kv;
}

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close()));
  await etcd?.stop();
});

describe('Etcd3Kv against a real etcd', () => {
  it('writes, reads back under the base path and honours conditions', async () => {
    const kv = await kvFor('cond');
    const created = await kv.write('initialize', '', { condition: { kind: 'absent' } });
    expect(created.ok).toBe(true);
    expect((await kv.write('initialize', 'x', { condition: { kind: 'absent' } })).ok).toBe(false);
    const config = await kv.write('config', '{"ttl":30}', {});
    if (!config.ok) throw new Error('plain put failed');
    expect(
      (await kv.write('config', '{"ttl":31}', { condition: { kind: 'version', version: '1' } })).ok,
    ).toBe(false);
    const cas = await kv.write('config', '{"ttl":32}', {
      condition: { kind: 'version', version: config.version },
    });
    expect(cas.ok).toBe(true);
    const snapshot = await kv.readAll({ consistent: true });
    const byKey = new Map(snapshot.nodes.map((n) => [n.key, n]));
    expect(byKey.get('config')?.value).toBe('{"ttl":32}');
    expect(byKey.get('config')?.version).toBe(cas.ok ? cas.version : '');
    expect(byKey.get('initialize')?.value).toBe('');
    expect(byKey.get('config')?.session).toBeNull();
  });

  it('binds ephemeral keys to one lease and removes them by value', async () => {
    const kv = await kvFor('lease');
    await kv.refreshSession(false);
    const lease = kv.sessionId();
    expect(lease).toMatch(/^\d+$/);
    expect((await kv.write('leader', 'pg1', { ephemeral: true, condition: { kind: 'absent' } })).ok).toBe(
      true,
    );
    expect((await kv.write('members/pg1', '{}', { ephemeral: true })).ok).toBe(true);
    const nodes = (await kv.readAll({ consistent: false })).nodes;
    expect(nodes.map((n) => [n.key, n.session])).toEqual([
      ['leader', lease],
      ['members/pg1', lease],
    ]);
    expect(await kv.remove('leader', { kind: 'value', value: 'pg2' })).toBe(false);
    expect(await kv.remove('leader', { kind: 'value', value: 'pg1' })).toBe(true);
    expect(await kv.remove('leader', { kind: 'value', value: 'pg1' })).toBe(false);
  });

  it('revoking the lease on close drops the ephemeral keys; keepSession keeps them', async () => {
    const a = await kvFor('close');
    await a.write('members/a', '{}', { ephemeral: true });
    const b = await kvFor('close');
    await b.write('members/b', '{}', { ephemeral: true });
    await a.close();
    await b.close({ keepSession: true });
    const reader = await kvFor('close');
    expect((await reader.readAll({ consistent: true })).nodes.map((n) => n.key)).toEqual(['members/b']);
  });

  it('grants a new lease when the old one expired and re-attaches on write', async () => {
    const kv = await kvFor('expire');
    await kv.refreshSession(false);
    const first = kv.sessionId();
    const admin = await kvFor('expire-admin');
    // Revoke the lease behind the agent's back, as an expiry would.
    await admin.close();
    await revokeLease(etcd.endpoint, first ?? '0');
    await kv.refreshSession(true);
    expect(kv.sessionId()).not.toBe(first);
    expect(kv.sessionId()).toMatch(/^\d+$/);
  });

  it('a write bound to a vanished lease gets a new lease and succeeds', async () => {
    const kv = await kvFor('vanish');
    await kv.refreshSession(false);
    const first = kv.sessionId();
    await revokeLease(etcd.endpoint, first ?? '0');
    expect((await kv.write('members/pg1', '{}', { ephemeral: true })).ok).toBe(true);
    expect(kv.sessionId()).not.toBe(first);
  });

  it('watch resolves true on a change after the version and false on timeout', async () => {
    const kv = await kvFor('watch');
    const written = await kv.write('leader', 'pg1', { ephemeral: true });
    if (!written.ok) throw new Error('write failed');
    const t0 = Date.now();
    expect(await kv.watch('leader', written.version, 400)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    const pending = kv.watch('leader', written.version, 5_000);
    const other = await kvFor('watch');
    await other.write('leader', 'pg2', {});
    expect(await pending).toBe(true);
    // A change that happened before the watch started is seen through the version.
    expect(await kv.watch('leader', written.version, 5_000)).toBe(true);
    const aborter = new AbortController();
    const aborted = kv.watch('leader', null, 5_000, aborter.signal);
    aborter.abort();
    expect(await aborted).toBe(false);
  });

  it('a watch from a revision etcd compacted away wakes at once (a change may be lost in it)', async () => {
    const kv = await kvFor('compacted');
    const leader = await kv.write('leader', 'pg1', {});
    if (!leader.ok) throw new Error('write failed');
    await kv.write('history', '[]', {});
    const latest = await kv.write('history', '[[1]]', {});
    if (!latest.ok) throw new Error('write failed');
    await gatewayPost(etcd.endpoint, '/kv/compaction', { revision: latest.version });
    // No read yet, so no cluster watch: this is the watch's own stream, from leader's revision + 1.
    const started = Date.now();
    expect(await kv.watch('leader', leader.version, 5_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(kv.requests.snapshot().watch).toBe(1);
  });

  it('removeAll deletes only this scope', async () => {
    const a = await kvFor('wipe');
    const b = await kvFor('wipe2');
    await a.write('config', '{}', {});
    await b.write('config', '{}', {});
    await a.removeAll();
    expect((await a.readAll({ consistent: true })).nodes).toEqual([]);
    expect((await b.readAll({ consistent: true })).nodes).toHaveLength(1);
  });
});
