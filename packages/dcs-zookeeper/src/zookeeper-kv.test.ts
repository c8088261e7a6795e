import { createHash } from 'node:crypto';
import { isDcsUnavailable, type KvTiming, type Logger } from '@patroni/ha-core';
import { startTcpProxy, startZooKeeper, waitUntil, type ZooKeeperServer } from '@patroni/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseZooKeeperConfig } from './config.js';
import { zk } from './native-client.js';
import { sessionCredentialsOf, ZooKeeperKv } from './zookeeper-kv.js';

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const timing: KvTiming = { ttlMs: 6_000, loopWaitMs: 2_000, retryTimeoutMs: 2_000 };

let server: ZooKeeperServer;
const opened: ZooKeeperKv[] = [];
let scopeCounter = 0;

beforeAll(async () => {
  server = await startZooKeeper();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((kv) => kv.close()));
});

function newScope(): string {
  scopeCounter += 1;
  return `kv-test-${scopeCounter}`;
}

function openKv(scope: string, section: Record<string, unknown> = {}, kvTiming = timing): ZooKeeperKv {
  const config = parseZooKeeperConfig({ hosts: [server.connectString], ...section });
  const kv = new ZooKeeperKv({
    config,
    scope: { namespace: '/service/', scope },
    timing: kvTiming,
    logger: quietLogger,
  });
  opened.push(kv);
  return kv;
}

async function nodeAt(kv: ZooKeeperKv, key: string) {
  return (await kv.readAll({ consistent: true })).nodes.find((n) => n.key === key);
}

describe('ZooKeeperKv against a real ZooKeeper 3.8', () => {
  it('creates parents on demand and reads keys back with versions, sessions and mzxid', async () => {
    const kv = openKv(newScope());
    expect(await kv.write('config', '{"ttl":30}', { condition: { kind: 'absent' } })).toEqual({
      ok: true,
      version: '0',
    });
    expect((await kv.write('members/pg-1', '{"role":"replica"}', { ephemeral: true })).ok).toBe(true);
    expect((await kv.write('optime/leader', '123', {})).ok).toBe(true);
    const { nodes } = await kv.readAll({ consistent: false });
    expect(nodes.map((n) => n.key)).toEqual(['config', 'members/pg-1', 'optime/leader']);
    const member = nodes.find((n) => n.key === 'members/pg-1');
    expect(member?.session).toBe(kv.sessionId());
    expect(member?.session).toMatch(/^-?\d+$/);
    const config = nodes.find((n) => n.key === 'config');
    expect(config?.session).toBeNull();
    expect(Number(config?.altVersion)).toBeGreaterThan(0);
  });

  it('hides empty container znodes (members/, optime/) once their children are gone', async () => {
    const kv = openKv(newScope());
    await kv.write('members/pg-1', '{}', { ephemeral: true });
    expect(await kv.remove('members/pg-1')).toBe(true);
    expect((await kv.readAll({ consistent: false })).nodes).toEqual([]);
  });

  it('lets exactly one of many contenders create the leader znode', async () => {
    const scope = newScope();
    const contenders = Array.from({ length: 6 }, () => openKv(scope));
    const results = await Promise.all(
      contenders.map((kv, i) =>
        kv.write('leader', `pg-${i}`, { ephemeral: true, condition: { kind: 'absent' } }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = results.findIndex((r) => r.ok);
    const leader = await nodeAt(contenders[0]!, 'leader');
    expect(leader?.value).toBe(`pg-${winner}`);
    expect(leader?.session).toBe(contenders[winner]?.sessionId());
  });

  it('compares versions: a stale version fails, the current one succeeds', async () => {
    const kv = openKv(newScope());
    const first = await kv.write('failover', '{}', {});
    expect(first).toEqual({ ok: true, version: '0' });
    const second = await kv.write('failover', '{"leader":"a"}', {
      condition: { kind: 'version', version: '0' },
    });
    expect(second).toEqual({ ok: true, version: '1' });
    expect(await kv.write('failover', '{"x":1}', { condition: { kind: 'version', version: '0' } })).toEqual({
      ok: false,
    });
    expect(
      await kv.write('failover', '{"x":1}', { condition: { kind: 'version', version: 'nope' } }),
    ).toEqual({
      ok: false,
    });
    expect(await kv.write('sync', '{}', { condition: { kind: 'version', version: '0' } })).toEqual({
      ok: false,
    });
    expect(await kv.remove('failover', { kind: 'version', version: '0' })).toBe(false);
    expect(await kv.remove('failover', { kind: 'version', version: '1' })).toBe(true);
    expect(await kv.remove('failover', { kind: 'version', version: '1' })).toBe(false);
  });

  it('compares values and deletes only what it read', async () => {
    const kv = openKv(newScope());
    await kv.write('initialize', '', { condition: { kind: 'absent' } });
    expect((await kv.write('initialize', '7', { condition: { kind: 'value', value: 'x' } })).ok).toBe(false);
    expect((await kv.write('initialize', '7', { condition: { kind: 'value', value: '' } })).ok).toBe(true);
    expect(await kv.remove('initialize', { kind: 'value', value: '8' })).toBe(false);
    expect(await kv.remove('initialize', { kind: 'absent' })).toBe(false);
    expect(await kv.remove('initialize', { kind: 'value', value: '7' })).toBe(true);
    expect(await kv.remove('initialize', { kind: 'absent' })).toBe(true);
  });

  it('rebinds an ephemeral znode owned by another session to ours (touch member, renew leader)', async () => {
    const scope = newScope();
    const old = openKv(scope);
    const fresh = openKv(scope);
    await old.write('members/pg-1', '{"state":"running"}', { ephemeral: true });
    await old.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    expect((await nodeAt(fresh, 'members/pg-1'))?.session).toBe(old.sessionId());

    expect((await fresh.write('members/pg-1', '{"state":"running"}', { ephemeral: true })).ok).toBe(true);
    expect((await nodeAt(fresh, 'members/pg-1'))?.session).toBe(fresh.sessionId());
    const renewed = await fresh.write('leader', 'pg-1', {
      ephemeral: true,
      condition: { kind: 'value', value: 'pg-1' },
    });
    expect(renewed.ok).toBe(true);
    expect((await nodeAt(fresh, 'leader'))?.session).toBe(fresh.sessionId());
    // The old session's end no longer takes the rebound znodes with it.
    await old.close();
    const keys = (await fresh.readAll({ consistent: false })).nodes.map((n) => n.key);
    expect(keys).toEqual(['leader', 'members/pg-1']);
  });

  it('leaves an unchanged ephemeral znode alone (no version bump on renewal)', async () => {
    const kv = openKv(newScope());
    await kv.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    const renewed = await kv.write('leader', 'pg-1', {
      ephemeral: true,
      condition: { kind: 'value', value: 'pg-1' },
    });
    expect(renewed).toEqual({ ok: true, version: '0' });
    const other = await kv.write('leader', 'pg-2', {
      ephemeral: true,
      condition: { kind: 'value', value: 'pg-9' },
    });
    expect(other).toEqual({ ok: false });
  });

  it('removes the whole cluster tree', async () => {
    const scope = newScope();
    const kv = openKv(scope);
    await kv.write('config', '{}', {});
    await kv.write('members/pg-1', '{}', { ephemeral: true });
    await kv.write('0/members/pg-2', '{}', { ephemeral: true });
    await kv.removeAll();
    expect((await kv.readAll({ consistent: false })).nodes).toEqual([]);
    await kv.removeAll(); // idempotent
  });

  it('ends the session on close: its ephemeral znodes vanish, persistent ones stay', async () => {
    const scope = newScope();
    const owner = openKv(scope);
    const reader = openKv(scope);
    await owner.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    await owner.write('history', '[]', {});
    await owner.close();
    expect((await reader.readAll({ consistent: false })).nodes.map((n) => n.key)).toEqual(['history']);
  });
});

describe('watch', () => {
  it('wakes when the leader znode changes after the last read, times out otherwise', async () => {
    const scope = newScope();
    const leader = openKv(scope);
    const replica = openKv(scope);
    await leader.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    const seen = await nodeAt(replica, 'leader'); // the read arms the watch
    const started = Date.now();
    expect(await replica.watch('leader', seen?.version ?? null, 300)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const woken = replica.watch('leader', seen?.version ?? null, 10_000);
    await leader.remove('leader', { kind: 'value', value: 'pg-1' });
    expect(await woken).toBe(true);
  });

  it('sees a delete and re-create that left the same version behind', async () => {
    const scope = newScope();
    const first = openKv(scope);
    const second = openKv(scope);
    const replica = openKv(scope);
    await first.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    const seen = await nodeAt(replica, 'leader');
    await first.close();
    await second.write('leader', 'pg-2', { ephemeral: true, condition: { kind: 'absent' } });
    expect((await nodeAt(second, 'leader'))?.version).toBe(seen?.version);
    expect(await replica.watch('leader', seen?.version ?? null, 5_000)).toBe(true);
  });

  it('returns at once when the version already differs, and false when aborted', async () => {
    const scope = newScope();
    const kv = openKv(scope);
    await kv.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    expect(await kv.watch('leader', '7', 5_000)).toBe(true);
    const controller = new AbortController();
    const waiting = kv.watch('leader', '0', 10_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
  });
});

describe('auth_data and set_acls', () => {
  it('creates znodes with the configured ACL; a client without the credential cannot write them', async () => {
    const scope = newScope();
    const digest = createHash('sha1').update('patroni:secret').digest('base64');
    const secured = openKv(scope, {
      auth_data: { digest: 'patroni:secret' },
      set_acls: { [`digest:patroni:${digest}`]: ['all'] },
    });
    expect((await secured.write('config', '{}', {})).ok).toBe(true);
    const stranger = openKv(scope, {}, { ...timing, retryTimeoutMs: 1_000 });
    const error = await stranger.write('config', '{"x":1}', {}).catch((e: unknown) => e);
    expect(isDcsUnavailable(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/NO_AUTH/);
  });
});

describe('connection loss and session expiry', () => {
  it('survives a ZooKeeper restart within the session timeout: same session, leader kept', async () => {
    const scope = newScope();
    const kv = openKv(scope, {}, { ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 2_000 });
    await kv.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    const session = kv.sessionId();
    await server.pause();
    const started = Date.now();
    const error = await kv.readAll({ consistent: false }).catch((e: unknown) => e);
    const failedAfterMs = Date.now() - started;
    expect(isDcsUnavailable(error)).toBe(true);
    expect(failedAfterMs).toBeLessThan(2_000 + 1_500);
    await server.restart();
    await waitUntil(
      'reconnect',
      async () => await kv.readAll({ consistent: false }).then(() => true),
      15_000,
    );
    expect(kv.sessionId()).toBe(session);
    const renewed = await kv.write('leader', 'pg-1', {
      ephemeral: true,
      condition: { kind: 'value', value: 'pg-1' },
    });
    expect(renewed.ok).toBe(true);
    expect((await nodeAt(kv, 'leader'))?.session).toBe(session);
  });

  it('notices a frozen server within the read timeout and stops vouching for its session', async () => {
    const kv = openKv(newScope(), {}, { ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 2_000 });
    await kv.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
    const session = kv.sessionId();
    expect(session).not.toBeNull();
    server.process.signal('SIGSTOP');
    try {
      const started = Date.now();
      await waitUntil('connection counted dead', () => kv.sessionId() === null, 6_000);
      expect(Date.now() - started).toBeLessThan(2_000 + 1_500);
    } finally {
      server.process.signal('SIGCONT');
    }
    await waitUntil('session resumed', () => kv.sessionId() === session, 15_000);
    expect((await nodeAt(kv, 'leader'))?.session).toBe(session);
  });

  it('after its session expired the agent no longer holds the leader znode and cannot renew it', async () => {
    const scope = newScope();
    const proxy = await startTcpProxy(server.port);
    try {
      const kv = openKv(scope, { hosts: proxy.connectString });
      const other = openKv(scope);
      await kv.write('leader', 'pg-1', { ephemeral: true, condition: { kind: 'absent' } });
      await kv.write('members/pg-1', '{}', { ephemeral: true });
      const oldSession = kv.sessionId();
      const credentials = sessionCredentialsOf(kv);
      expect(credentials).not.toBeNull();
      // A partition keeps our client away while its session is ended behind its back.
      proxy.cut();
      await expireSession(credentials!.id, credentials!.password);
      await waitUntil('leader znode gone', async () => (await nodeAt(other, 'leader')) === undefined, 10_000);
      const leaderValue = { ephemeral: true, condition: { kind: 'value', value: 'pg-1' } } as const;
      expect(isDcsUnavailable(await kv.write('leader', 'pg-1', leaderValue).catch((e: unknown) => e))).toBe(
        true,
      );

      proxy.restore();
      await waitUntil(
        'a new session',
        () => kv.sessionId() !== null && kv.sessionId() !== oldSession,
        10_000,
      );
      expect(await kv.write('leader', 'pg-1', leaderValue)).toEqual({ ok: false });
      // The new session works: the member key is written again, bound to it.
      expect((await kv.write('members/pg-1', '{}', { ephemeral: true })).ok).toBe(true);
      expect((await nodeAt(other, 'members/pg-1'))?.session).toBe(kv.sessionId());
    } finally {
      await proxy.close();
    }
  });
});

/** Joins a session with its id and password from a second client and closes it: ZooKeeper ends the session. */
async function expireSession(id: Buffer, password: Buffer): Promise<void> {
  const intruder = zk.createClient(server.connectString, {
    sessionTimeout: 6_000,
    spinDelay: 100,
    retries: 0,
    sessionId: id,
    sessionPassword: password,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('could not join the session')), 10_000);
    intruder.on('state', (state) => {
      if (state.code === zk.State.SYNC_CONNECTED.code) {
        clearTimeout(timer);
        intruder.once('disconnected', () => resolve());
        intruder.close();
      }
    });
    intruder.connect();
  });
}
