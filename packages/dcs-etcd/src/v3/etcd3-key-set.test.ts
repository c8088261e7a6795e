import { type EtcdServer, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { fastTiming, memoryLogger } from '../test-helpers.js';
import { createEtcd3Kv } from './create-etcd3-kv.js';
import type { Etcd3Kv } from './etcd3-kv.js';

let etcd: EtcdServer;
const open: Etcd3Kv[] = [];
let scopes = 0;

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

/** Two clients of a fresh scope; `a`'s cluster watch is confirmed by etcd. */
async function pair(): Promise<{ a: Etcd3Kv; b: Etcd3Kv }> {
  scopes += 1;
  const [a, b] = await Promise.all([kvFor(`keyset-${scopes}`), kvFor(`keyset-${scopes}`)]);
  await a.readAll({ consistent: false });
  await waitUntil('the cluster watch is confirmed', () => a.clusterWatch === 'ready', 5_000);
  return { a, b };
}

const WAKE_MS = 20_000;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close()));
  await etcd?.stop();
});

describe('Etcd3Kv.watchKeySet (member keys appearing or vanishing)', () => {
  it('waits on the cluster watch without any request; updates and other keys do not wake it', async () => {
    const { a, b } = await pair();
    expect((await b.write('members/pg2', '{"xlog_location":1}', { ephemeral: true })).ok).toBe(true);
    // a reads its cache: the key shows once the watch delivered it.
    await waitUntil(
      'a reads members/pg2',
      async () => (await a.readAll({ consistent: false })).nodes.some((n) => n.key === 'members/pg2'),
      5_000,
    );
    a.requests.reset();
    const started = Date.now();
    const quiet = a.watchKeySet('members/', 1_500);
    for (let lsn = 2; lsn <= 4; lsn++) {
      expect((await b.write('members/pg2', `{"xlog_location":${lsn}}`, { ephemeral: true })).ok).toBe(true);
    }
    expect((await b.write('config', '{"ttl":30}', {})).ok).toBe(true);
    expect((await b.write('members/pg2/deeper', 'x', {})).ok).toBe(true);
    expect(await quiet).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
    // No range, no watch stream of its own: the long-lived cluster watch did it all.
    expect(a.requests.snapshot()).toEqual({});
  });

  it('wakes at once on a member key created or deleted while it waits', async () => {
    const { a, b } = await pair();
    await a.readAll({ consistent: false });
    let started = Date.now();
    const created = a.watchKeySet('members/', WAKE_MS);
    expect((await b.write('members/pg2', '{}', { ephemeral: true })).ok).toBe(true);
    expect(await created).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await a.readAll({ consistent: false });
    started = Date.now();
    const deleted = a.watchKeySet('members/', WAKE_MS);
    expect(await b.remove('members/pg2')).toBe(true);
    expect(await deleted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('counts a member key created between the last read and the wait', async () => {
    const { a, b } = await pair();
    await a.readAll({ consistent: false });
    const arrived = a.watch('members/pg3', null, 5_000);
    expect((await b.write('members/pg3', '{}', { ephemeral: true })).ok).toBe(true);
    expect(await arrived).toBe(true); // the event is in a's cache now, before any key-set wait began
    const started = Date.now();
    expect(await a.watchKeySet('members/', WAKE_MS)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Once read, the same key set is no longer news.
    await a.readAll({ consistent: false });
    expect(await a.watchKeySet('members/', 300)).toBe(false);
  });

  it('sleeps out its timeout while there is no cluster watch (nothing read yet)', async () => {
    const kv = await kvFor(`keyset-idle-${++scopes}`);
    const started = Date.now();
    expect(await kv.watchKeySet('members/', 400)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(kv.requests.snapshot()).toEqual({});
  });
});
