/**
 * Conformance cases for the optional `DcsKv.watchKeySet` (kv.ts): a backend that offers it must wake on a
 * member key created or deleted, never on value updates or other keys, and honour its timeout and signal.
 * Backends without it skip these cases (KvDcs sleeps for them instead).
 */
import { describe, expect, it } from 'vitest';
import { KEY } from '../model/parse-cluster.js';
import type { ConformanceAgent } from './conformance.js';
import type { DcsConformanceFixture } from './conformance-fixture.js';

export interface KeySetCaseContext {
  fixture(): DcsConformanceFixture;
  agent(name: string): Promise<ConformanceAgent>;
  slackMs(): number;
}

export function describeKeySetWatch(ctx: KeySetCaseContext): void {
  describe('member key set watch (watchKeySet)', () => {
    it('a lock holder’s watch wakes when a new member key appears', async (test) => {
      const [a, b] = await Promise.all([ctx.agent('a'), ctx.agent('b')]);
      if (a.kv.watchKeySet === undefined) return test.skip();
      expect(await a.dcs.acquireLeader()).toBe(true);
      expect(await a.dcs.touchMember({ state: 'running', role: 'primary' })).toBe(true);
      // As in an HA cycle: read, renew the lock, then wait.
      expect(await a.dcs.renewLeader(await a.dcs.loadCluster())).toBe(true);
      const watchMs = ctx.fixture().timing.ttlMs * 4;
      const started = Date.now();
      const watching = a.dcs.watch(null, watchMs);
      expect(await b.dcs.touchMember({ state: 'running', role: 'replica' })).toBe(true);
      expect(await watching).toBe(true);
      expect(Date.now() - started).toBeLessThan(watchMs);
    });

    it('value updates and other keys do not count; a deleted member key does', async (test) => {
      const [a, b] = await Promise.all([ctx.agent('a'), ctx.agent('b')]);
      if (a.kv.watchKeySet === undefined) return test.skip();
      expect(await b.dcs.touchMember({ state: 'running', xlog_location: 1 })).toBe(true);
      await a.kv.readAll({ consistent: false });
      // Shorter than ttl: no key expires meanwhile (an expiry is a deletion).
      const quietMs = ctx.fixture().timing.ttlMs / 2;
      const started = Date.now();
      const quiet = a.kv.watchKeySet(KEY.membersPrefix, quietMs);
      for (let lsn = 2; lsn <= 4; lsn++) {
        expect(await b.dcs.touchMember({ state: 'running', xlog_location: lsn })).toBe(true);
      }
      expect((await a.kv.write('config', '{"ttl":30}', {})).ok).toBe(true);
      expect(await quiet).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(quietMs - 50);
      await a.kv.readAll({ consistent: false });
      const watchMs = ctx.fixture().timing.ttlMs * 4;
      const woken = a.kv.watchKeySet(KEY.membersPrefix, watchMs);
      expect(await b.kv.remove(`${KEY.membersPrefix}b`)).toBe(true);
      expect(await woken).toBe(true);
      expect(Date.now() - started).toBeLessThan(quietMs + watchMs);
    });

    it('an aborted wait resolves false at once', async (test) => {
      const a = await ctx.agent('a');
      if (a.kv.watchKeySet === undefined) return test.skip();
      await a.kv.readAll({ consistent: false });
      const abort = new AbortController();
      const started = Date.now();
      const waiting = a.kv.watchKeySet(KEY.membersPrefix, 30_000, abort.signal);
      abort.abort();
      expect(await waiting).toBe(false);
      expect(Date.now() - started).toBeLessThan(ctx.slackMs());
    });
  });
}
