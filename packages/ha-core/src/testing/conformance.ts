/**
 * The DCS conformance suite (dcs.md §9, STYLE.md 4): every backend runs it unchanged against its real
 * server, through `KvDcs`, so all backends share one set of semantics. No skip lists.
 *
 *   runDcsConformance('etcd3', async () => makeEtcdFixture(server));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../dcs/dcs.js';
import { isDcsUnavailable } from '../dcs/errors.js';
import type { DcsKv, KvTiming } from '../dcs/kv.js';
import { KvDcs } from '../dcs/kv-dcs.js';
import { leaderName } from '../model/cluster-queries.js';
import { parseCluster } from '../model/parse-cluster.js';
import { serializeMemberData } from '../model/serialize.js';
import { asLsn, type Cluster } from '../model/types.js';
import type { DcsConformanceFixture, DcsConformanceFixtureFactory } from './conformance-fixture.js';
import { describeKeySetWatch } from './conformance-key-set.js';

export interface ConformanceAgent {
  readonly name: string;
  readonly kv: DcsKv;
  readonly dcs: KvDcs;
}

/** Collects log lines instead of printing them. */
export function collectingLogger(lines: string[] = []): Logger & { readonly lines: string[] } {
  const push = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return { lines, debug: push('DEBUG'), info: push('INFO'), warn: push('WARNING'), error: push('ERROR') };
}

export async function newConformanceAgent(
  fixture: DcsConformanceFixture,
  name: string,
  timing?: KvTiming,
): Promise<ConformanceAgent> {
  const kv = await fixture.newAgent(name, timing);
  const dcs = new KvDcs(
    kv,
    { namespace: 'service', scope: 'conformance', name },
    {
      logger: collectingLogger(),
      parseOptions: fixture.parseOptions,
    },
  );
  dcs.setTiming(timing ?? fixture.timing);
  return { name, kv, dcs };
}

/** Polls `probe` (real time) until it returns true or `deadlineMs` passes. */
export async function pollUntil(
  probe: () => Promise<boolean>,
  deadlineMs: number,
  stepMs = 100,
): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** Resolves to the error `promise` rejects with, and how long that took; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, elapsedMs: Date.now() - started };
  }
  throw new Error('expected the operation to fail while the DCS is unreachable');
}

export function runDcsConformance(name: string, makeFixture: DcsConformanceFixtureFactory): void {
  describe(`DCS conformance: ${name}`, () => {
    let fixture: DcsConformanceFixture;
    const agent = (member: string, timing?: KvTiming) => newConformanceAgent(fixture, member, timing);
    const slack = () => fixture.slackMs ?? 2000;
    /**
     * `x`'s own view once it shows what `wanted` asks for: an agent's reads may come from a watch cache that
     * trails another agent's write by the event's latency (Patroni's etcd3 backend reads so).
     */
    const seenBy = async (x: ConformanceAgent, what: string, wanted: (cluster: Cluster) => boolean) => {
      let last: Cluster | null = null;
      const seen = await pollUntil(
        async () => {
          last = await x.dcs.loadCluster();
          return wanted(last);
        },
        slack(),
        20,
      );
      if (!seen || last === null) throw new Error(`not seen within ${slack()} ms: ${what}`);
      return last as Cluster;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      // beforeEach may have failed before assigning it.
      if (fixture) await fixture.cleanup();
    });

    describe('leader key', () => {
      it('a race of 5 contenders has exactly one winner', async () => {
        const agents = await Promise.all(['pg0', 'pg1', 'pg2', 'pg3', 'pg4'].map((n) => agent(n)));
        const results = await Promise.all(agents.map((a) => a.dcs.acquireLeader()));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = agents[results.indexOf(true)];
        const seen = await seenBy(agents[0]!, 'a leader', (c) => c.leader !== null);
        expect(leaderName(seen)).toBe(winner?.name);
      });

      it('acquire fails while someone else holds the key', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        expect(await b.dcs.acquireLeader()).toBe(false);
        expect(await a.dcs.acquireLeader()).toBe(false);
      });

      it('renew keeps a held key and writes status and failsafe', async () => {
        const a = await agent('a');
        expect(await a.dcs.acquireLeader()).toBe(true);
        await a.dcs.touchMember({ conn_url: 'postgres://a:5432/postgres', api_url: 'http://a:8008/patroni' });
        const cluster = await a.dcs.loadCluster();
        const failsafe = { a: 'http://a:8008/patroni' };
        expect(
          await a.dcs.renewLeader(cluster, { lastLsn: asLsn(1234), slots: { s1: 1000 } }, failsafe),
        ).toBe(true);
        const after = await a.dcs.loadCluster();
        expect(leaderName(after)).toBe('a');
        expect(after.status).toMatchObject({ lastLsn: 1234, slots: { s1: 1000 } });
        expect(after.failsafe).toEqual(failsafe);
        expect(await a.dcs.renewLeader(after)).toBe(true);
      });

      it('renew after another node took the key returns false', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        const stale = await a.dcs.loadCluster();
        expect(await a.dcs.releaseLeader()).toBe(true);
        expect(await b.dcs.acquireLeader()).toBe(true);
        expect(await a.dcs.renewLeader(stale)).toBe(false);
        expect(await a.dcs.renewLeader(await a.dcs.loadCluster())).toBe(false);
        expect(leaderName(await b.dcs.loadCluster())).toBe('b');
      });

      it('release deletes the key only if it is mine, writing status first', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        expect(await b.dcs.releaseLeader()).toBe(false);
        expect(leaderName(await seenBy(b, 'a leader', (c) => c.leader !== null))).toBe('a');
        expect(await a.dcs.releaseLeader(asLsn(777))).toBe(true);
        const cluster = await seenBy(b, 'no leader', (c) => c.leader === null);
        expect(leaderName(cluster)).toBeNull();
        expect(cluster.status.lastLsn).toBe(777);
      });

      it('take overwrites the key without preconditions', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        expect(await b.dcs.takeLeader()).toBe(true);
        await seenBy(a, 'b as leader', (c) => leaderName(c) === 'b');
      });
    });

    describe('session expiry', () => {
      it('removes the leader and member keys of a frozen agent; another can then acquire', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        expect(await a.dcs.touchMember({ state: 'running', role: 'primary' })).toBe(true);
        expect(await b.dcs.touchMember({ state: 'running', role: 'replica' })).toBe(true);
        await fixture.expireSession(a.kv);
        const gone = await pollUntil(async () => {
          await b.dcs.touchMember({ state: 'running', role: 'replica' });
          const cluster = await b.dcs.loadCluster();
          return cluster.leader === null && !cluster.members.some((m) => m.name === 'a');
        }, fixture.timing.ttlMs + slack());
        expect(gone).toBe(true);
        const cluster = await b.dcs.loadCluster();
        expect(cluster.members.map((m) => m.name)).toEqual(['b']);
        expect(await b.dcs.acquireLeader()).toBe(true);
      });

      it('keys of a live agent survive several ttl periods while it renews', async () => {
        const a = await agent('a');
        expect(await a.dcs.acquireLeader()).toBe(true);
        const end = Date.now() + fixture.timing.ttlMs * 2;
        while (Date.now() < end) {
          const cluster = await a.dcs.loadCluster();
          expect(await a.dcs.renewLeader(cluster)).toBe(true);
          expect(await a.dcs.touchMember({ state: 'running' })).toBe(true);
          await new Promise((resolve) => setTimeout(resolve, fixture.timing.loopWaitMs));
        }
        const cluster = await a.dcs.loadCluster();
        expect(leaderName(cluster)).toBe('a');
        expect(cluster.members.map((m) => m.name)).toEqual(['a']);
      });
    });

    describe('compare-and-set writes', () => {
      it('config: a stale version fails, a null version always writes', async () => {
        const a = await agent('a');
        expect(await a.dcs.setConfig('{"ttl":30}', null)).toBe(true);
        const v1 = (await a.dcs.loadCluster()).config?.version ?? null;
        expect(v1).not.toBeNull();
        expect(await a.dcs.setConfig('{"ttl":31}', v1)).toBe(true);
        expect(await a.dcs.setConfig('{"ttl":32}', v1)).toBe(false);
        expect((await a.dcs.loadCluster()).config?.data).toEqual({ ttl: 31 });
        expect(await a.dcs.setConfig('{"ttl":33}', null)).toBe(true);
        const config = (await a.dcs.loadCluster()).config;
        expect(config?.data).toEqual({ ttl: 33 });
        expect(config?.modifyVersion).toBeTruthy();
      });

      it('failover: a stale version fails, a null version always writes, {} clears', async () => {
        const a = await agent('a');
        expect(await a.dcs.setFailover({ leader: 'a', member: 'b' }, null)).toBe(true);
        const failover = (await a.dcs.loadCluster()).failover;
        expect(failover).toMatchObject({ leader: 'a', candidate: 'b' });
        expect(await a.dcs.setFailover({}, failover?.version ?? null)).toBe(true);
        expect(await a.dcs.setFailover({ member: 'c' }, failover?.version ?? null)).toBe(false);
        expect((await a.dcs.loadCluster()).failover).toMatchObject({ leader: null, candidate: null });
      });

      it('sync: writes return the new version; stale versions fail; delete with CAS', async () => {
        const a = await agent('a');
        const first = await a.dcs.writeSync('a', ['c', 'b'], 1, null);
        expect(first).toMatchObject({ leader: 'a', syncStandbys: ['b', 'c'], quorum: 1 });
        expect(first?.version).toBeTruthy();
        const second = await a.dcs.writeSync('a', ['b'], null, first?.version ?? null);
        expect(second).toMatchObject({ leader: 'a', syncStandbys: ['b'], quorum: 0 });
        expect(await a.dcs.writeSync('a', ['c'], null, first?.version ?? null)).toBeNull();
        expect((await a.dcs.loadCluster()).sync).toMatchObject({
          leader: 'a',
          syncStandbys: ['b'],
          version: second?.version,
        });
        expect(await a.dcs.deleteSync(first?.version ?? null)).toBe(false);
        expect(await a.dcs.deleteSync(second?.version ?? null)).toBe(true);
        expect((await a.dcs.loadCluster()).sync.leader).toBeNull();
      });

      it('initialize(createNew) twice: the second loses; overwrite and cancel work', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.initialize(true, '')).toBe(true);
        expect(await b.dcs.initialize(true, '')).toBe(false);
        expect(await a.dcs.initialize(false, '7712418725868607391')).toBe(true);
        await seenBy(b, 'the system id', (c) => c.initialize === '7712418725868607391');
        expect(await a.dcs.cancelInitialization()).toBe(true);
        await seenBy(b, 'no initialize key', (c) => c.initialize === null);
      });
    });

    describe('members and values', () => {
      it('touchMember writes my key; an unchanged value on a live session is not rewritten', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        const data = {
          conn_url: 'postgres://a:5432/postgres',
          state: 'running',
          role: 'replica',
          version: '4.1.0',
        };
        expect(await a.dcs.touchMember(data)).toBe(true);
        await a.dcs.loadCluster();
        const first = (
          await seenBy(b, 'member a', (c) => c.members.some((m) => m.name === 'a'))
        ).members.find((m) => m.name === 'a');
        expect(first?.data).toEqual(data);
        expect(await a.dcs.touchMember(data)).toBe(true);
        const second = (await b.dcs.loadCluster()).members.find((m) => m.name === 'a');
        if (!a.kv.capabilities.ephemeralByKeyTtl) expect(second?.version).toBe(first?.version);
        expect(await a.dcs.touchMember({ ...data, state: 'stopped' })).toBe(true);
        await seenBy(
          b,
          'member a stopped',
          (c) => c.members.find((m) => m.name === 'a')?.data.state === 'stopped',
        );
      });

      it('values round-trip byte-exact, non-ASCII included', async () => {
        const [a, b] = await Promise.all([agent('ñode-1'), agent('b')]);
        const data = {
          conn_url: 'postgres://h:5432/postgres',
          state: 'running',
          tags: { zone: 'zürich 東京 😀' },
        };
        expect(await a.dcs.touchMember(data)).toBe(true);
        const config = '{"ttl":30,"comment":"caf\\u00e9"}';
        expect(await a.dcs.setConfig(config, null)).toBe(true);
        expect(
          await a.dcs.setHistory(
            '[[1,25623960,"no recovery target specified","2024-07-01T10:11:12.123456+02:00","ñ"]]',
          ),
        ).toBe(true);
        const snapshot = await b.kv.readAll({ consistent: true });
        const value = (key: string) => snapshot.nodes.find((n) => n.key === key)?.value;
        expect(value('members/ñode-1')).toBe(serializeMemberData(data));
        expect(value('config')).toBe(config);
        const cluster = parseCluster(snapshot, fixture.parseOptions);
        expect(cluster.members.find((m) => m.name === 'ñode-1')?.data).toEqual(data);
        expect(cluster.history?.lines[0]?.[4]).toBe('ñ');
      });

      it('reads a member value written by Patroni 3.0.2 as is', async () => {
        const [raw, b] = await Promise.all([agent('node1'), agent('b')]);
        const value =
          '{"conn_url":"postgres://127.0.0.1:15432/postgres","api_url":"http://127.0.0.1:18008/patroni",' +
          '"state":"running","role":"replica","version":"3.0.2","xlog_location":67282344,"timeline":2}';
        expect((await raw.kv.write('members/node1', value, { ephemeral: true })).ok).toBe(true);
        expect((await raw.kv.write('leader', 'node1', { ephemeral: true })).ok).toBe(true);
        expect((await raw.kv.write('status', '{"optime":67282344}', {})).ok).toBe(true);
        const snapshot = await b.kv.readAll({ consistent: true });
        expect(snapshot.nodes.find((n) => n.key === 'members/node1')?.value).toBe(value);
        const cluster = await seenBy(b, 'node1 leading at 67282344', (c) => c.status.lastLsn === 67282344);
        expect(cluster.leader?.member).toMatchObject({ name: 'node1', isRunning: true, lsn: 67282344 });
        expect(cluster.leader?.member.patroniVersion).toEqual([3, 0, 2]);
        expect(serializeMemberData(cluster.leader?.member.data ?? {})).toBe(value);
        expect(cluster.status.lastLsn).toBe(67282344);
      });

      it('deleteCluster removes every key', async () => {
        const a = await agent('a');
        await a.dcs.initialize(true, '1234567890123');
        await a.dcs.setConfig('{}', null);
        await a.dcs.acquireLeader();
        await a.dcs.touchMember({ state: 'running' });
        await a.dcs.setFailover({ member: 'a' }, null);
        await a.dcs.writeStatus({ lastLsn: asLsn(5) });
        await a.dcs.deleteCluster();
        expect((await a.kv.readAll({ consistent: true })).nodes).toEqual([]);
        const cluster = await a.dcs.loadCluster();
        expect([cluster.initialize, cluster.config, cluster.leader, cluster.failover]).toEqual([
          null,
          null,
          null,
          null,
        ]);
        expect(cluster.members).toEqual([]);
      });
    });

    describe('watch', () => {
      it('wakes on a leader change', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        const version = (await seenBy(b, 'a leader', (c) => c.leader !== null)).leader?.version ?? null;
        const watchMs = fixture.timing.ttlMs * 4;
        const started = Date.now();
        const watching = b.dcs.watch(version, watchMs);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await a.dcs.releaseLeader()).toBe(true);
        expect(await watching).toBe(true);
        expect(Date.now() - started).toBeLessThan(watchMs);
      });

      it('returns true at once when the leader changed before the watch began', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        const version = (await seenBy(b, 'a leader', (c) => c.leader !== null)).leader?.version ?? null;
        expect(await a.dcs.releaseLeader()).toBe(true);
        expect(await b.dcs.watch(version, fixture.timing.ttlMs * 4)).toBe(true);
      });

      it('returns false on timeout without a change', async () => {
        const [a, b] = await Promise.all([agent('a'), agent('b')]);
        expect(await a.dcs.acquireLeader()).toBe(true);
        const version = (await seenBy(b, 'a leader', (c) => c.leader !== null)).leader?.version ?? null;
        const started = Date.now();
        expect(await b.dcs.watch(version, 300)).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        expect(await b.dcs.watch(null, 300)).toBe(false);
      });

      it('wake() ends a pending watch with true', async () => {
        const b = await agent('b');
        const watchMs = 10_000;
        const started = Date.now();
        const watching = b.dcs.watch(null, watchMs);
        b.dcs.wake();
        expect(await watching).toBe(true);
        expect(Date.now() - started).toBeLessThan(watchMs);
      });
    });

    describeKeySetWatch({ fixture: () => fixture, agent: (member) => agent(member), slackMs: slack });

    describe('unreachable store', () => {
      it('loadCluster, acquire and renew throw DcsUnavailableError within retry_timeout; other writes return false', async () => {
        const a = await agent('a');
        expect(await a.dcs.acquireLeader()).toBe(true);
        const cluster = await a.dcs.loadCluster();
        await fixture.makeUnreachable();
        const limitMs = fixture.timing.retryTimeoutMs + slack();
        for (const op of [
          () => a.dcs.loadCluster(),
          () => a.dcs.acquireLeader(),
          () => a.dcs.renewLeader(cluster),
        ]) {
          const { error, elapsedMs } = await rejection(op());
          expect(isDcsUnavailable(error)).toBe(true);
          expect(elapsedMs).toBeLessThanOrEqual(limitMs);
        }
        const started = Date.now();
        expect(await a.dcs.setConfig('{}', null)).toBe(false);
        expect(await a.dcs.touchMember({ state: 'running' })).toBe(false);
        expect(Date.now() - started).toBeLessThanOrEqual(2 * limitMs);
        expect(await a.dcs.watch(cluster.leader?.version ?? null, 300)).toBe(false);
        const keySetStarted = Date.now();
        await a.kv.watchKeySet?.('members/', 300); // must not throw
        expect(Date.now() - keySetStarted).toBeLessThanOrEqual(300 + slack());
        await fixture.restore();
        const back = await pollUntil(
          async () => {
            try {
              await a.dcs.loadCluster();
              return true;
            } catch {
              return false;
            }
          },
          fixture.timing.ttlMs * 5 + slack(),
        );
        expect(back).toBe(true);
      });
    });
  });
}
