import { beforeEach, describe, expect, it } from 'vitest';
import { leaderName } from '../model/cluster-queries.js';
import { asLsn } from '../model/types.js';
import { collectingLogger } from '../testing/conformance.js';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryKv } from '../testing/memory-kv.js';
import { MemoryKvStore } from '../testing/memory-kv-store.js';
import { isDcsUnavailable } from './errors.js';
import type { DcsKv, KvTiming } from './kv.js';
import { KvDcs } from './kv-dcs.js';

const TIMING: KvTiming = { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 };

describe('KvDcs on the in-memory store (virtual time)', () => {
  let clock: ManualClock;
  let store: MemoryKvStore;
  const agent = (name: string, mode: 'session' | 'keyTtl' = 'session', kvOverride?: DcsKv) => {
    const kv = new MemoryKv(store, { timing: TIMING, mode });
    const logger = collectingLogger();
    const dcs = new KvDcs(
      kvOverride ?? kv,
      { namespace: '/service/', scope: 'demo', name },
      { logger, clock },
    );
    dcs.setTiming(TIMING);
    return { kv, dcs, logger };
  };

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    store = new MemoryKvStore({ clock });
  });

  it('skips an unchanged member write on a live session, rewrites after the session was lost', async () => {
    const a = agent('a');
    expect(await a.dcs.touchMember({ state: 'running' })).toBe(true);
    const v1 = store.get('members/a')?.version;
    expect(await a.dcs.touchMember({ state: 'running' })).toBe(true);
    expect(store.get('members/a')?.version).toBe(v1);
    a.kv.expireSession();
    expect(store.get('members/a')).toBeNull();
    expect(await a.dcs.touchMember({ state: 'running' })).toBe(true);
    expect(store.get('members/a')?.session).toBe(a.kv.sessionId());
  });

  it('key-TTL backends rewrite the member key every time (etcd v2)', async () => {
    const a = agent('a', 'keyTtl');
    await a.dcs.touchMember({ state: 'running' });
    const v1 = store.get('members/a')?.version;
    await a.dcs.touchMember({ state: 'running' });
    expect(store.get('members/a')?.version).not.toBe(v1);
    await clock.advance(TIMING.ttlMs);
    expect(store.get('members/a')).toBeNull();
  });

  it('a session-bound leader renewal does not rewrite the key; a key-TTL one does and keeps it alive', async () => {
    const a = agent('a');
    expect(await a.dcs.acquireLeader()).toBe(true);
    const version = store.get('leader')?.version;
    for (let i = 0; i < 5; i++) {
      await clock.advance(TIMING.loopWaitMs);
      expect(await a.dcs.renewLeader(await a.dcs.loadCluster())).toBe(true);
    }
    expect(store.get('leader')?.version).toBe(version);

    store.removeAll();
    const b = agent('b', 'keyTtl');
    expect(await b.dcs.acquireLeader()).toBe(true);
    for (let i = 0; i < 5; i++) {
      await clock.advance(TIMING.loopWaitMs);
      expect(await b.dcs.renewLeader(await b.dcs.loadCluster())).toBe(true);
    }
    expect(store.get('leader')?.value).toBe('b');
  });

  it('a frozen leader past ttl gets the key back only if nobody took it', async () => {
    const a = agent('a');
    const b = agent('b');
    expect(await a.dcs.acquireLeader()).toBe(true);
    const cluster = await a.dcs.loadCluster();
    await clock.advance(TIMING.ttlMs + 1);
    expect(store.get('leader')).toBeNull();
    expect(await a.dcs.renewLeader(cluster)).toBe(true);
    expect(store.get('leader')?.session).toBe(a.kv.sessionId());

    const again = await a.dcs.loadCluster();
    await clock.advance(TIMING.ttlMs + 1);
    expect(await b.dcs.acquireLeader()).toBe(true);
    expect(await a.dcs.renewLeader(again)).toBe(false);
  });

  it('writes status and failsafe only when changed, and the legacy optime key for old members', async () => {
    const a = agent('a');
    await a.dcs.acquireLeader();
    store.write('members/old', '{"version":"2.0.2"}');
    const cluster = await a.dcs.loadCluster();
    await a.dcs.renewLeader(cluster, { lastLsn: asLsn(100) }, { a: 'http://a/patroni' });
    const statusVersion = store.get('status')?.version;
    const failsafeVersion = store.get('failsafe')?.version;
    expect(store.get('optime/leader')?.value).toBe('100');
    await a.dcs.renewLeader(cluster, { lastLsn: asLsn(100) }, { a: 'http://a/patroni' });
    expect(store.get('status')?.version).toBe(statusVersion);
    expect(store.get('failsafe')?.version).toBe(failsafeVersion);
    await a.dcs.renewLeader(cluster, { lastLsn: asLsn(200), slots: { s: 150 }, retainSlots: ['b'] });
    expect(store.get('status')?.value).toBe('{"optime":200,"slots":{"s":150},"retain_slots":["b"]}');
    expect(await a.dcs.releaseLeader(asLsn(300))).toBe(true);
    expect(store.get('status')?.value).toBe('{"optime":300,"slots":{"s":150},"retain_slots":["b"]}');
    expect(store.get('optime/leader')?.value).toBe('300');
  });

  it('an unreachable store: leader ops throw after retry_timeout of clock time, other writes return false', async () => {
    const a = agent('a');
    expect(await a.dcs.acquireLeader()).toBe(true);
    a.kv.setUnreachable(true);
    const load = a.dcs.loadCluster().catch((error: unknown) => error);
    await clock.advance(TIMING.retryTimeoutMs - 1);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1);
    expect(isDcsUnavailable(await load)).toBe(true);
    const write = a.dcs.setConfig('{}', null);
    await clock.advance(TIMING.retryTimeoutMs);
    expect(await write).toBe(false);
    expect(a.logger.lines.some((line) => line.startsWith('ERROR: Failed to update /config'))).toBe(true);
  });

  it('wraps unexpected errors of a leader operation as DcsUnavailableError', async () => {
    const kv = new MemoryKv(store, { timing: TIMING });
    const broken: DcsKv = Object.assign(Object.create(kv) as MemoryKv, {
      write: () => Promise.reject(new TypeError('boom')),
    });
    const a = agent('a', 'session', broken);
    const error = await a.dcs.acquireLeader().catch((e: unknown) => e);
    expect(isDcsUnavailable(error)).toBe(true);
  });

  it('watch: times out on the clock, wakes on a leader change, and returns at once after a ttl change', async () => {
    const a = agent('a');
    const b = agent('b');
    const idle = b.dcs.watch(null, 5_000);
    await clock.advance(5_000);
    expect(await idle).toBe(false);

    await a.dcs.acquireLeader();
    const version = (await b.dcs.loadCluster()).leader?.version ?? null;
    const watching = b.dcs.watch(version, 10_000);
    await clock.advance(1_000);
    a.kv.expireSession();
    await clock.advance(0);
    expect(await watching).toBe(true);
    expect(leaderName(await b.dcs.loadCluster())).toBeNull();

    b.dcs.setTiming({ ...TIMING, ttlMs: 40_000 });
    expect(await b.dcs.watch(null, 10_000)).toBe(true);
  });

  it('a watching non-leader sees the leader key expire on time', async () => {
    const a = agent('a');
    const b = agent('b');
    await a.dcs.acquireLeader();
    const version = (await b.dcs.loadCluster()).leader?.version ?? null;
    let done = false;
    const watching = b.dcs.watch(version, 60_000).then((result) => {
      done = true;
      return result;
    });
    await clock.advance(TIMING.ttlMs - 1);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(await watching).toBe(true);
  });
  it('watch(null) with no leader in the last snapshot wakes when the leader key is created', async () => {
    const a = agent('a');
    const b = agent('b');
    await b.dcs.loadCluster();
    const watching = b.dcs.watch(null, 10_000);
    await clock.advance(3_000);
    await a.dcs.acquireLeader();
    await clock.advance(0);
    expect(await watching).toBe(true);
    // Someone else leads and no version is given (the loop runs an action): a plain sleep.
    await b.dcs.loadCluster();
    const sleeping = b.dcs.watch(null, 5_000);
    await a.dcs.touchMember({ state: 'running' });
    await clock.advance(5_000);
    expect(await sleeping).toBe(false);
  });

  it('watch(null) of the lock holder wakes when a member key appears or vanishes, not when one is rewritten', async () => {
    const a = agent('a');
    const b = agent('b');
    await b.dcs.touchMember({ state: 'running', xlog_location: 1 });
    expect(await a.dcs.acquireLeader()).toBe(true);
    await a.dcs.loadCluster();
    const updated = a.dcs.watch(null, 5_000);
    await b.dcs.touchMember({ state: 'running', xlog_location: 2 });
    await clock.advance(5_000);
    expect(await updated).toBe(false);

    const joined = a.dcs.watch(null, 10_000);
    await clock.advance(1_000);
    const c = agent('c');
    await c.dcs.touchMember({ state: 'stopped' });
    await clock.advance(0);
    expect(await joined).toBe(true);

    const left = a.dcs.watch(null, 10_000);
    c.kv.expireSession();
    await clock.advance(0);
    expect(await left).toBe(true);
  });

  it('a lock holder on a backend without watchKeySet just sleeps', async () => {
    const plain = new MemoryKv(store, { timing: TIMING });
    const kv: DcsKv = {
      capabilities: plain.capabilities,
      readAll: (o) => plain.readAll(o),
      write: (k, v, o) => plain.write(k, v, o),
      remove: (k, c) => plain.remove(k, c),
      removeAll: () => plain.removeAll(),
      refreshSession: (f) => plain.refreshSession(f),
      sessionId: () => plain.sessionId(),
      watch: (k, v, t, sig) => plain.watch(k, v, t, sig),
      setTiming: (t) => plain.setTiming(t),
      close: (o) => plain.close(o),
    };
    const a = agent('a', 'session', kv);
    expect(await a.dcs.acquireLeader()).toBe(true);
    const sleeping = a.dcs.watch(null, 5_000);
    await agent('c').dcs.touchMember({ state: 'stopped' });
    await clock.advance(5_000);
    expect(await sleeping).toBe(false);
  });
});
