import type { KvTiming, Logger } from '@patroni/ha-core';
import { startZooKeeper, type ZooKeeperServer } from '@patroni/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseZooKeeperConfig } from './config.js';
import { ZooKeeperKv } from './zookeeper-kv.js';

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const timing: KvTiming = { ttlMs: 6_000, loopWaitMs: 2_000, retryTimeoutMs: 2_000 };
const WAKE_MS = 20_000;

let server: ZooKeeperServer;
const opened: ZooKeeperKv[] = [];
let scopes = 0;

beforeAll(async () => {
  server = await startZooKeeper();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((kv) => kv.close()));
});

/** `count` clients of a fresh scope. */
function clients(count: number): ZooKeeperKv[] {
  scopes += 1;
  const config = parseZooKeeperConfig({ hosts: [server.connectString] });
  return Array.from({ length: count }, () => {
    const kv = new ZooKeeperKv({
      config,
      scope: { namespace: '/service/', scope: `keyset-${scopes}` },
      timing,
      logger: quietLogger,
    });
    opened.push(kv);
    return kv;
  });
}

async function timedWait(kv: ZooKeeperKv, timeoutMs: number): Promise<{ woken: boolean; ms: number }> {
  const started = Date.now();
  const woken = await kv.watchKeySet('members/', timeoutMs);
  return { woken, ms: Date.now() - started };
}

describe('ZooKeeperKv.watchKeySet (a child watch on members/)', () => {
  it('ignores data changes and other znodes; wakes on a member znode created or deleted', async () => {
    const [a, b, c] = clients(3);
    if (!a || !b || !c) throw new Error('no clients');
    expect((await b.write('members/pg2', '{"xlog_location":1}', { ephemeral: true })).ok).toBe(true);
    await a.readAll({ consistent: false });
    const quiet = timedWait(a, 1_500);
    for (let lsn = 2; lsn <= 4; lsn++) {
      expect((await b.write('members/pg2', `{"xlog_location":${lsn}}`, { ephemeral: true })).ok).toBe(true);
    }
    expect((await b.write('config', '{"ttl":30}', {})).ok).toBe(true);
    expect(await quiet).toMatchObject({ woken: false });
    expect((await quiet).ms).toBeGreaterThanOrEqual(1_450);

    await a.readAll({ consistent: false });
    const created = timedWait(a, WAKE_MS);
    expect((await c.write('members/pg3', '{}', { ephemeral: true })).ok).toBe(true);
    expect((await created).woken).toBe(true);
    expect((await created).ms).toBeLessThan(5_000);

    await a.readAll({ consistent: false });
    const deleted = timedWait(a, WAKE_MS);
    await c.close(); // its session ends: the ephemeral member znode goes with it
    expect((await deleted).woken).toBe(true);
    expect((await deleted).ms).toBeLessThan(5_000);
  });

  it('counts a member created between the read and the wait, on the first wait and later ones', async () => {
    const [a, b, c] = clients(3);
    if (!a || !b || !c) throw new Error('no clients');
    expect((await a.write('members/pg1', '{}', { ephemeral: true })).ok).toBe(true);
    await a.readAll({ consistent: false });
    expect((await b.write('members/pg2', '{}', { ephemeral: true })).ok).toBe(true);
    // First wait: nothing armed yet; the listing it arms with differs from the read's.
    let wait = await timedWait(a, WAKE_MS);
    expect(wait.woken).toBe(true);
    expect(wait.ms).toBeLessThan(2_000);
    // Later waits: the read armed the watch; its notification since then counts.
    await a.readAll({ consistent: false });
    expect((await c.write('members/pg3', '{}', { ephemeral: true })).ok).toBe(true);
    wait = await timedWait(a, WAKE_MS);
    expect(wait.woken).toBe(true);
    expect(wait.ms).toBeLessThan(2_000);
    // Read again: nothing new, so it times out.
    await a.readAll({ consistent: false });
    expect(await timedWait(a, 500)).toMatchObject({ woken: false });
  });

  it('wakes when the first member of an empty cluster appears (members/ created)', async () => {
    const [a, b] = clients(2);
    if (!a || !b) throw new Error('no clients');
    await a.readAll({ consistent: false });
    const created = timedWait(a, WAKE_MS);
    expect((await b.write('members/pg2', '{}', { ephemeral: true })).ok).toBe(true);
    expect((await created).woken).toBe(true);
    expect((await created).ms).toBeLessThan(5_000);
  });

  it('an aborted wait resolves false at once', async () => {
    const [a] = clients(1);
    if (!a) throw new Error('no clients');
    await a.readAll({ consistent: false });
    const abort = new AbortController();
    const started = Date.now();
    const waiting = a.watchKeySet('members/', WAKE_MS, abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
