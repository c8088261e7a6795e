import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpstreamMember } from '@patroni/ha-core';
import { freePort, makeTempDir, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresManager } from './postgres-manager.js';
import { makeTestServer, recordingLogger, sqlOn } from './real-server.test-support.js';

// A former primary that crashed (kill -9 of its postmaster) while the agent was already turning it into a
// replica (standby.signal written): pg_rewind refuses an unclean target and its own crash recovery fails
// in standby mode, so the port runs single-user crash recovery first (sim seed 212, postgres.md §7.5).

let root: { path: string; remove(): Promise<void> };
const servers: Record<string, { pg: PostgresManager; port: number; upstream: UpstreamMember }> = {};
const logs: string[] = [];
const signal = () => AbortSignal.timeout(60_000);

beforeAll(async () => {
  root = await makeTempDir('pg-rewind-unclean');
  for (const name of ['old', 'new']) {
    const port = await freePort();
    const pg = makeTestServer({
      root: root.path,
      name,
      port,
      scope: 'unclean',
      logger: recordingLogger(logs),
    });
    servers[name] = {
      pg,
      port,
      upstream: { name, connUrl: `postgres://127.0.0.1:${port}/postgres`, checkpointAfterPromote: true },
    };
  }
});

afterAll(async () => {
  for (const { pg } of Object.values(servers)) {
    await pg.stop({ mode: 'immediate', checkpoint: false, timeoutMs: 10_000 });
    await pg.close();
  }
  await root.remove();
});

const server = (name: string) => servers[name] as (typeof servers)[string];

describe('pg_rewind of a target that crashed', () => {
  it('recovers the crashed target in single-user mode, rewinds it and it follows the new primary', async () => {
    const old = server('old');
    const fresh = server('new');
    expect(await old.pg.bootstrap(signal())).toEqual({ ok: true });
    expect(await old.pg.start({ role: 'primary', upstream: null, timeoutMs: 30_000 }, signal())).toEqual({
      ok: true,
    });
    expect(await old.pg.postBootstrap(signal())).toEqual({ ok: true });
    await old.pg.syncReplicationSlots({
      slots: { new: { type: 'physical' } },
      ignore: [],
      dropUnknown: false,
    });
    await sqlOn(old.port, "CREATE TABLE t (v text); INSERT INTO t VALUES ('before')");
    expect(await fresh.pg.createReplica(old.upstream, signal())).toMatchObject({ ok: true });
    expect(
      await fresh.pg.start({ role: 'replica', upstream: old.upstream, timeoutMs: 30_000 }, signal()),
    ).toEqual({ ok: true });
    await waitUntil(
      'the replica has the table',
      async () => (await sqlOn(fresh.port, 'SELECT count(*)::int AS n FROM t').catch(() => [])).length > 0,
      15_000,
    );
    expect(await fresh.pg.promote(10_000, signal())).toEqual({ ok: true });
    await fresh.pg.syncReplicationSlots({
      slots: { old: { type: 'physical' } },
      ignore: [],
      dropUnknown: false,
    });
    expect(await fresh.pg.checkpoint()).toEqual({ ok: true });

    // The old primary writes on timeline 1 (a real divergence), then crashes mid-demotion.
    await sqlOn(old.port, "INSERT INTO t VALUES ('diverged')");
    const dataDir = join(root.path, 'old', 'data');
    const postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmasterPid, 'SIGKILL');
    await waitUntil(
      'the postmaster is gone',
      async () => {
        try {
          process.kill(postmasterPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
    );
    writeFileSync(join(dataDir, 'standby.signal'), '');

    expect(await old.pg.rewind(fresh.upstream, signal())).toEqual({ ok: true });
    expect(logs.some((line) => line.includes('was not shut down cleanly'))).toBe(true);
    expect(
      await old.pg.start({ role: 'replica', upstream: fresh.upstream, timeoutMs: 30_000 }, signal()),
    ).toEqual({ ok: true });
    await sqlOn(fresh.port, "INSERT INTO t VALUES ('after')");
    await waitUntil(
      'the rewound node follows',
      async () => (await sqlOn<{ v: string }>(old.port, 'SELECT v FROM t')).some((r) => r.v === 'after'),
      15_000,
    );
    const values = (await sqlOn<{ v: string }>(old.port, 'SELECT v FROM t ORDER BY v')).map((r) => r.v);
    expect(values).toEqual(['after', 'before']);
  });
});
