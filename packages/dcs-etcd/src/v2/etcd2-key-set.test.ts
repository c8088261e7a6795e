import { type EtcdServer, startEtcd } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { fastTiming, memoryLogger } from '../test-helpers.js';
import { createEtcd2Kv } from './create-etcd2-kv.js';
import type { V2Body } from './etcd2-http.js';
import { changesKeySet, type Etcd2Kv } from './etcd2-kv.js';

const DIR = '/service/batman/members';

describe('changesKeySet (one event of a recursive wait on members/)', () => {
  const event = (action: string, key: string, prevNode = false): V2Body => ({
    action,
    node: { key, modifiedIndex: 9 },
    ...(prevNode ? { prevNode: { key, modifiedIndex: 8 } } : {}),
  });
  it.each<[string, V2Body, boolean]>([
    ['a new key (set without a previous node)', event('set', `${DIR}/pg2`), true],
    ['a rewrite of an existing key', event('set', `${DIR}/pg2`, true), false],
    ['create (prevExist=false)', event('create', `${DIR}/pg2`), true],
    ['compareAndSwap', event('compareAndSwap', `${DIR}/pg2`, true), false],
    ['update (prevExist=true)', event('update', `${DIR}/pg2`, true), false],
    ['delete', event('delete', `${DIR}/pg2`, true), true],
    ['TTL expiry', event('expire', `${DIR}/pg2`, true), true],
    ['compareAndDelete', event('compareAndDelete', `${DIR}/pg2`, true), true],
    ['a key deeper down', event('set', `${DIR}/pg2/x`), false],
    ['the directory itself deleted', event('delete', DIR, true), true],
    ['an event without a node', { action: 'delete' }, true],
  ])('%s', (_name, body, expected) => {
    expect(changesKeySet(body, DIR)).toBe(expected);
  });
});

let etcd: EtcdServer;
const open: Etcd2Kv[] = [];
let scopes = 0;

async function kvFor(scope: string, timing = fastTiming): Promise<Etcd2Kv> {
  const config = parseEtcdConfig('etcd', { host: `127.0.0.1:${etcd.clientPort}` });
  const kv = await createEtcd2Kv(config, { basePath: `/service/${scope}`, timing, logger: memoryLogger() });
  open.push(kv);
  return kv;
}

const WAKE_MS = 20_000;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close()));
  await etcd?.stop();
});

describe('Etcd2Kv.watchKeySet against a real etcd (v2 keys API)', () => {
  it('steps over member rewrites and other keys, one long poll each, until the timeout', async () => {
    const scope = `keyset-${++scopes}`;
    const [a, b] = await Promise.all([kvFor(scope), kvFor(scope)]);
    expect((await b.write('members/pg2', '{"xlog_location":1}', { ephemeral: true })).ok).toBe(true);
    await a.readAll({ consistent: false });
    for (let lsn = 2; lsn <= 4; lsn++) {
      expect((await b.write('members/pg2', `{"xlog_location":${lsn}}`, { ephemeral: true })).ok).toBe(true);
    }
    expect((await b.write('optime/leader', '67282344', {})).ok).toBe(true);
    expect((await b.write('config', '{"ttl":30}', {})).ok).toBe(true);
    a.requests.reset();
    const started = Date.now();
    expect(await a.watchKeySet('members/', 1_500)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
    // The three rewrites after the read (stepped over), then one poll that timed out.
    expect(a.requests.snapshot()).toEqual({ watch: 4 });
  });

  it('wakes on a member key created, deleted or expired, also between the read and the wait', async () => {
    const scope = `keyset-${++scopes}`;
    const shortTtl = { ...fastTiming, ttlMs: 1_000 };
    const [a, b, c] = await Promise.all([kvFor(scope), kvFor(scope), kvFor(scope, shortTtl)]);
    await a.readAll({ consistent: false });
    expect((await b.write('members/pg2', '{}', { ephemeral: true })).ok).toBe(true);
    const started = Date.now();
    expect(await a.watchKeySet('members/', WAKE_MS)).toBe(true); // created after the read
    await a.readAll({ consistent: false });
    const deleted = a.watchKeySet('members/', WAKE_MS);
    expect(await b.remove('members/pg2')).toBe(true);
    expect(await deleted).toBe(true);
    await a.readAll({ consistent: false });
    expect((await c.write('members/pg3', '{}', { ephemeral: true })).ok).toBe(true); // ttl 1 s, not renewed
    expect(await a.watchKeySet('members/', WAKE_MS)).toBe(true); // its creation
    await a.readAll({ consistent: false });
    expect(await a.watchKeySet('members/', WAKE_MS)).toBe(true); // its expiry
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not throw for an unreachable etcd: it waits out the timeout', async () => {
    const config = parseEtcdConfig('etcd', { host: '127.0.0.1:1', use_proxies: true });
    const kv = await createEtcd2Kv(config, {
      basePath: '/service/nowhere',
      timing: fastTiming,
      logger: memoryLogger(),
    });
    open.push(kv);
    const started = Date.now();
    expect(await kv.watchKeySet('members/', 1_200)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_150);
  });
});
