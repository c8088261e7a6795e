import { describe, expect, it } from 'vitest';
import { isDcsUnavailable } from '../dcs/errors.js';
import { ManualClock } from './manual-clock.js';
import { MemoryKv } from './memory-kv.js';
import { MemoryKvStore } from './memory-kv-store.js';

const TIMING = { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 };

describe('MemoryKv', () => {
  it('ephemeral keys live as long as the session is kept alive, and vanish ttl after the last keep-alive', async () => {
    const clock = new ManualClock();
    const store = new MemoryKvStore({ clock });
    const kv = new MemoryKv(store, { timing: TIMING });
    expect((await kv.write('members/a', '{}', { ephemeral: true })).ok).toBe(true);
    for (let i = 0; i < 10; i++) {
      await clock.advance(TIMING.loopWaitMs);
      await kv.refreshSession(false);
    }
    expect(store.get('members/a')).not.toBeNull();
    await clock.advance(TIMING.ttlMs - 1);
    expect(store.get('members/a')).not.toBeNull();
    await clock.advance(1);
    expect(store.get('members/a')).toBeNull();
  });

  it('refreshSession(false) renews at most once per loop_wait; force always renews', async () => {
    const clock = new ManualClock();
    const store = new MemoryKvStore({ clock });
    const kv = new MemoryKv(store, { timing: TIMING });
    await kv.refreshSession(false);
    const session = kv.sessionId();
    await clock.advance(TIMING.ttlMs - 5_000);
    await kv.refreshSession(false); // due: renews
    await clock.advance(TIMING.ttlMs - 1_000);
    await kv.refreshSession(true);
    await clock.advance(TIMING.ttlMs - 1_000);
    expect(store.isSessionAlive(session ?? '')).toBe(true);
    expect(kv.sessionId()).toBe(session);
  });

  it('conditions: absent, version, value', async () => {
    const store = new MemoryKvStore({ clock: new ManualClock() });
    const kv = new MemoryKv(store, { timing: TIMING });
    const first = await kv.write('k', 'a', { condition: { kind: 'absent' } });
    expect(first.ok).toBe(true);
    expect((await kv.write('k', 'b', { condition: { kind: 'absent' } })).ok).toBe(false);
    expect(
      (await kv.write('k', 'b', { condition: { kind: 'version', version: first.ok ? first.version : '' } }))
        .ok,
    ).toBe(true);
    expect(
      (await kv.write('k', 'c', { condition: { kind: 'version', version: first.ok ? first.version : '' } }))
        .ok,
    ).toBe(false);
    expect(await kv.remove('k', { kind: 'value', value: 'a' })).toBe(false);
    expect(await kv.remove('k', { kind: 'value', value: 'b' })).toBe(true);
    expect(await kv.remove('k', { kind: 'value', value: 'b' })).toBe(false);
    expect(await kv.remove('k')).toBe(true);
  });

  it('unreachable: fails after retry_timeout of clock time, or at once with failFast; latency delays', async () => {
    const clock = new ManualClock();
    const store = new MemoryKvStore({ clock });
    const kv = new MemoryKv(store, { timing: TIMING });
    kv.setUnreachable(true);
    let settled = false;
    const read = kv.readAll({ consistent: false }).catch((error: unknown) => {
      settled = true;
      return error;
    });
    await clock.advance(TIMING.retryTimeoutMs - 1);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(isDcsUnavailable(await read)).toBe(true);

    const fast = new MemoryKv(store, { timing: TIMING, failFast: true });
    fast.setUnreachable(true);
    expect(isDcsUnavailable(await fast.readAll({ consistent: false }).catch((e: unknown) => e))).toBe(true);

    kv.setUnreachable(false);
    kv.setLatencyMs(250);
    let written = false;
    const write = kv.write('k', 'v', {}).then(() => {
      written = true;
    });
    await clock.advance(249);
    expect(written).toBe(false);
    await clock.advance(1);
    await write;
    expect(store.get('k')?.value).toBe('v');
  });

  it('close ends the session unless keepSession', async () => {
    const store = new MemoryKvStore({ clock: new ManualClock() });
    const a = new MemoryKv(store, { timing: TIMING });
    const b = new MemoryKv(store, { timing: TIMING });
    await a.write('members/a', '{}', { ephemeral: true });
    await b.write('members/b', '{}', { ephemeral: true });
    await a.close();
    await b.close({ keepSession: true });
    expect(store.snapshot().nodes.map((n) => n.key)).toEqual(['members/b']);
    expect(isDcsUnavailable(await a.readAll({ consistent: false }).catch((e: unknown) => e))).toBe(true);
  });
});

describe('ManualClock', () => {
  it('fires sleeps in time order and only when advanced', async () => {
    const clock = new ManualClock(100);
    const order: string[] = [];
    void clock.sleep(30).then(() => order.push('30'));
    void clock.sleep(10).then(() => order.push('10'));
    void clock.sleep(20).then(async () => {
      order.push('20');
      await clock.sleep(5);
      order.push('25');
    });
    await clock.advance(9);
    expect(order).toEqual([]);
    await clock.advance(100);
    expect(order).toEqual(['10', '20', '25', '30']);
    expect(clock.now()).toBe(209);
  });

  it('an aborted sleep resolves at once', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const sleeping = clock.sleep(1_000, abort.signal);
    abort.abort();
    await sleeping;
    expect(clock.pendingTimers()).toBe(0);
  });
});
