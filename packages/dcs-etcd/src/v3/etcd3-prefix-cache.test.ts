import { DcsUnavailableError, type KvSnapshot } from '@patroni/ha-core';
import { type EtcdServer, startEtcd, startTcpProxy, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { fastTiming, memoryLogger } from '../test-helpers.js';
import { createEtcd3Kv } from './create-etcd3-kv.js';
import type { Etcd3Kv } from './etcd3-kv.js';

let etcd: EtcdServer;
const open: Etcd3Kv[] = [];

async function kvFor(scope: string): Promise<Etcd3Kv> {
  const config = parseEtcdConfig('etcd3', { host: `127.0.0.1:${etcd.clientPort}` });
  const kv = await createEtcd3Kv(config, {
    basePath: `/service/${scope}`,
    timing: fastTiming,
    logger: memoryLogger(),
  });
  open.push(kv);
  return kv;
}

const view = (snapshot: KvSnapshot) => snapshot.nodes.map((n) => [n.key, n.value, n.version, n.session]);

/** Reads until the cluster watch is confirmed (the first read starts it; etcd confirms it shortly after). */
async function warmUp(kv: Etcd3Kv): Promise<void> {
  await kv.readAll({ consistent: false });
  await waitUntil('the cluster watch is confirmed', () => kv.clusterWatch === 'ready', 5_000);
}

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close()));
  await etcd?.stop();
});

describe('Etcd3Kv reads and the cluster watch', () => {
  it('serves reads from the confirmed cluster watch, equal to a consistent read; no new stream', async () => {
    const kv = await kvFor('cached');
    await kv.write('config', '{"ttl":30}', {});
    await kv.write('members/pg1', '{"state":"running"}', { ephemeral: true });
    await warmUp(kv);
    kv.requests.reset();
    for (let i = 0; i < 5; i++) {
      const read = await kv.readAll({ consistent: false });
      expect(view(read)).toEqual(view(await kv.readAll({ consistent: true })));
    }
    // The five consistent reads (patronictl's) are ranges; the five others come from the watch.
    expect(kv.requests.snapshot()).toEqual({ range: 5 });
    expect(kv.clusterWatch).toBe('ready');
  });

  it('shows another agent’s change once the watch delivers it; the leader key’s holder reads etcd', async () => {
    const a = await kvFor('race');
    const b = await kvFor('race');
    await warmUp(a);
    for (let round = 1; round <= 10; round++) {
      // a holds the lock on its lease: its reads go to etcd, so its own lock is checked there.
      expect((await a.write('leader', 'pg1', { ephemeral: true, condition: { kind: 'absent' } })).ok).toBe(
        true,
      );
      const ranges = a.requests.snapshot().range ?? 0;
      expect((await a.readAll({ consistent: false })).nodes.map((n) => n.value)).toContain('pg1');
      expect(a.requests.snapshot().range ?? 0).toBe(ranges + 1);
      expect(await a.remove('leader', { kind: 'value', value: 'pg1' })).toBe(true);
      // b takes the lock: a, no longer the holder, reads its cache, which shows b as soon as the event came.
      expect((await b.write('leader', 'pg2', { ephemeral: true, condition: { kind: 'absent' } })).ok).toBe(
        true,
      );
      const truth = view(await b.readAll({ consistent: true }));
      await waitUntil(
        'a sees b as leader',
        async () => JSON.stringify(view(await a.readAll({ consistent: false }))) === JSON.stringify(truth),
        2_000,
      );
      expect(a.requests.snapshot().range ?? 0).toBe(ranges + 1);
      expect(await b.remove('leader', { kind: 'value', value: 'pg2' })).toBe(true);
      await waitUntil(
        'a sees the lock free',
        async () => !(await a.readAll({ consistent: false })).nodes.some((n) => n.key === 'leader'),
        2_000,
      );
    }
  });

  it('the lock holder sees its key gone at the very next read, whatever the watch delivered', async () => {
    const a = await kvFor('holder');
    const b = await kvFor('holder');
    await warmUp(a);
    for (let round = 1; round <= 5; round++) {
      expect((await a.write('leader', 'pg1', { ephemeral: true, condition: { kind: 'absent' } })).ok).toBe(
        true,
      );
      expect((await a.readAll({ consistent: false })).nodes.some((n) => n.key === 'leader')).toBe(true);
      // Another client removes the lock; a's next read checks the key in etcd, event or no event.
      expect(await b.remove('leader', { kind: 'value', value: 'pg1' })).toBe(true);
      expect((await a.readAll({ consistent: false })).nodes.some((n) => n.key === 'leader')).toBe(false);
    }
  });

  it('our own writes show at once; after a failed conditional write the next read shows the winner', async () => {
    const a = await kvFor('own');
    const b = await kvFor('own');
    await warmUp(a);
    await a.write('members/pg1', 'v1', { ephemeral: true });
    expect((await a.readAll({ consistent: false })).nodes.map((n) => n.value)).toEqual(['v1']);
    await b.write('leader', 'pg2', {});
    expect((await a.write('leader', 'pg1', { condition: { kind: 'absent' } })).ok).toBe(false);
    const before = a.requests.snapshot().range ?? 0;
    const seen = await a.readAll({ consistent: false });
    expect(a.requests.snapshot().range ?? 0).toBe(before + 1);
    expect(seen.nodes.map((n) => [n.key, n.value])).toEqual([
      ['leader', 'pg2'],
      ['members/pg1', 'v1'],
    ]);
  });

  it('watch waits on the cluster watch: wakes on a leader change without opening a watch per call', async () => {
    const a = await kvFor('wake');
    const b = await kvFor('wake');
    const written = await b.write('leader', 'pg2', { ephemeral: true });
    if (!written.ok) throw new Error('write failed');
    await warmUp(a);
    const streams = a.requests.snapshot().watch ?? 0;
    expect(await a.watch('leader', written.version, 300)).toBe(false);
    const pending = a.watch('leader', written.version, 5_000);
    await b.remove('leader');
    expect(await pending).toBe(true);
    expect(await a.watch('leader', written.version, 5_000)).toBe(true);
    expect(a.requests.snapshot().watch ?? 0).toBe(streams);
  });

  it('a cut connection drops the cluster watch (a wait in progress wakes); the next read starts it again', async () => {
    const proxy = await startTcpProxy(etcd.clientPort);
    const config = parseEtcdConfig('etcd3', { host: proxy.connectString, use_proxies: true });
    const kv = await createEtcd3Kv(config, {
      basePath: '/service/cut',
      timing: fastTiming,
      logger: memoryLogger(),
    });
    try {
      await kv.write('members/pg1', '{}', { ephemeral: true });
      await warmUp(kv);
      const waiting = kv.watchKeySet('members/', 20_000);
      const started = Date.now();
      proxy.cut();
      expect(await waiting).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(kv.clusterWatch).toBe('idle');
      proxy.restore();
      const streams = kv.requests.snapshot().watch ?? 0;
      await warmUp(kv);
      expect(kv.requests.snapshot().watch).toBe(streams + 1);
      expect((await kv.readAll({ consistent: false })).nodes.map((n) => n.key)).toEqual(['members/pg1']);
    } finally {
      await kv.close();
      await proxy.close();
    }
  });

  it('a paused etcd is not hidden by the cache: the read fails within retry_timeout, then recovers', async () => {
    const kv = await kvFor('paused');
    await kv.write('config', '{}', {});
    await warmUp(kv);
    await etcd.pause();
    const started = Date.now();
    await expect(kv.readAll({ consistent: false })).rejects.toBeInstanceOf(DcsUnavailableError);
    expect(Date.now() - started).toBeLessThan(fastTiming.retryTimeoutMs + 1_500);
    await etcd.restart();
    await waitUntil(
      'reads work again',
      async () => (await kv.readAll({ consistent: false }).catch(() => null)) !== null,
      10_000,
    );
    await warmUp(kv);
    expect((await kv.readAll({ consistent: false })).nodes.map((n) => n.key)).toEqual(['config']);
  });
});
