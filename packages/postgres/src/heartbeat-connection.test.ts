import type { LookupOptions } from 'node:dns';
import { join } from 'node:path';
import { freePort, makeTempDir } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrAlterRole } from './bootstrap.js';
import { parsePostgresqlConfig } from './config.js';
import { PgContext } from './context.js';
import {
  connectOptionsOf,
  HeartbeatConnection,
  type HeartbeatConnectOptions,
  HeartbeatUnsupported,
  loopbackLookup,
  ServerError,
} from './heartbeat-connection.js';
import { STATUS_QUERY } from './observe.js';
import type { PostgresManager } from './postgres-manager.js';
import { makeTestServer, sqlOn, TEST_AUTH } from './real-server.test-support.js';
import { identifySystem, type Run, withReplicationConnection } from './replication-connection.js';
import { sqlIdentifier, sqlLiteral } from './sql-literal.js';

// A real server whose pg_hba.conf gives each login method a user of its own (md5, password, scram), trust
// over the unix socket: the heartbeat connection logs in with each, and says which it cannot.

let root: { path: string; remove(): Promise<void> };
let server: PostgresManager;
let port: number;
let socketDir: string;
const opened: HeartbeatConnection[] = [];

const signal = () => AbortSignal.timeout(60_000);

beforeAll(async () => {
  root = await makeTempDir('pg-heartbeat');
  port = await freePort();
  socketDir = join(root.path, 'hb');
  server = makeTestServer({
    root: root.path,
    name: 'hb',
    port,
    scope: 'heartbeat',
    extra: {
      pg_hba: [
        'local all all trust',
        'local replication all trust',
        'host replication all 127.0.0.1/32 scram-sha-256',
        'host all md5_user 127.0.0.1/32 md5',
        'host all clear_user 127.0.0.1/32 password',
        'host all rejected_user 127.0.0.1/32 reject',
        'host all all 127.0.0.1/32 scram-sha-256',
      ],
    },
  });
  expect(await server.bootstrap(signal())).toEqual({ ok: true });
  expect(await server.start({ role: 'primary', upstream: null, timeoutMs: 30_000 }, signal())).toEqual({
    ok: true,
  });
  expect(await server.postBootstrap(signal())).toEqual({ ok: true });
  await sqlOn(port, "SET password_encryption = 'md5'; CREATE ROLE md5_user LOGIN PASSWORD 'md5-secret'");
  await sqlOn(port, "CREATE ROLE clear_user LOGIN PASSWORD 'clear-secret'");
  await sqlOn(port, "CREATE ROLE unicode_user LOGIN PASSWORD 'p\u00e4ss\u00a0word'");
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.close();
  await server?.stop({ mode: 'immediate', checkpoint: false, timeoutMs: 30_000 });
  await root?.remove();
});

const options = (over: Partial<HeartbeatConnectOptions>): HeartbeatConnectOptions => ({
  host: '127.0.0.1',
  port,
  user: 'postgres',
  password: TEST_AUTH.superuser.password,
  database: 'postgres',
  applicationName: 'Patroni heartbeat',
  options: '-c statement_timeout=2000',
  connectTimeoutMs: 3000,
  ...over,
});

async function open(over: Partial<HeartbeatConnectOptions>): Promise<HeartbeatConnection> {
  const connection = await HeartbeatConnection.open(options(over));
  opened.push(connection);
  return connection;
}

describe('HeartbeatConnection', () => {
  it('logs in with SCRAM-SHA-256 over TCP and answers text values, NULL as null', async () => {
    const c = await open({});
    const result = await c.query(
      "SELECT current_user AS u, NULL::text AS n, 'zß€'::text AS t, current_setting('application_name') AS a, current_setting('statement_timeout') AS st",
    );
    expect(result.columns).toEqual(['u', 'n', 't', 'a', 'st']);
    expect(result.rows).toEqual([['postgres', null, 'zß€', 'Patroni heartbeat', '2s']]);
  });

  it('logs in over the unix socket (trust), with md5 and with a cleartext password', async () => {
    for (const over of [
      { host: socketDir, password: undefined },
      { user: 'md5_user', password: 'md5-secret' },
      { user: 'clear_user', password: 'clear-secret' },
    ]) {
      const c = await open(over);
      expect((await c.query('SELECT current_user AS u')).rows).toEqual([[over.user ?? 'postgres']]);
    }
  });

  it('reaches localhost on the loopback interface without asking the resolver', async () => {
    const connection = await open({ host: 'localhost' });
    expect((await connection.query('SELECT 1')).rows).toEqual([['1']]);
    const answer = (options: LookupOptions) =>
      new Promise<unknown>((resolve, reject) =>
        loopbackLookup('localhost', options, (error, address, family) =>
          error ? reject(error) : resolve(family === undefined ? address : [address, family]),
        ),
      );
    expect(await answer({ all: true })).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await answer({ family: 6 })).toEqual(['::1', 6]);
    expect(await answer({})).toEqual(['127.0.0.1', 4]);
  });

  it("rejects a wrong password with the server's message", async () => {
    await expect(open({ password: 'wrong' })).rejects.toThrow(
      /password authentication failed for user "postgres"/,
    );
    await expect(open({ user: 'md5_user', password: 'wrong' })).rejects.toBeInstanceOf(ServerError);
  });

  it('says when it needs a password it was not given; passes on a refusal by pg_hba.conf', async () => {
    await expect(open({ password: undefined })).rejects.toBeInstanceOf(HeartbeatUnsupported);
    // SCRAM with a non-ASCII password needs SASLprep: left to node-postgres.
    await expect(open({ user: 'unicode_user', password: 'p\u00e4ss\u00a0word' })).rejects.toBeInstanceOf(
      HeartbeatUnsupported,
    );
    await expect(open({ user: 'rejected_user' })).rejects.toThrow(/pg_hba.conf rejects connection/);
  });

  it('keeps the session after an SQL error and runs overlapping queries in turn', async () => {
    const c = await open({});
    await expect(c.query('SELECT nonsense FROM nowhere')).rejects.toThrow(
      /relation "nowhere" does not exist/,
    );
    const answers = await Promise.all([1, 2, 3].map((n) => c.query(`SELECT ${n} AS n, pg_sleep(0.01)`)));
    expect(answers.map((a) => a.rows[0]?.[0])).toEqual(['1', '2', '3']);
    expect(c.isOpen).toBe(true);
  });

  it('answers the status query as one JSON column', async () => {
    const c = await open({ host: socketDir, password: undefined });
    const result = await c.query(STATUS_QUERY);
    expect(result.columns).toEqual(['status']);
    const status = JSON.parse(result.rows[0]?.[0] ?? 'null') as Record<string, unknown>;
    expect(status.in_recovery).toBe(false);
    expect(typeof status.wal_position).toBe('number');
  });

  it('fails its queries once the server ends the session, and refuses further ones', async () => {
    const c = await open({ applicationName: 'hb-victim' });
    await sqlOn(
      port,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hb-victim'",
    );
    await expect(c.query('SELECT 1')).rejects.toThrow();
    expect(c.isOpen).toBe(false);
    await expect(c.query('SELECT 1')).rejects.toThrow();
  });

  it('gives up connecting after the connect timeout', async () => {
    // A listening socket that never answers the startup message.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const silentPort = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(open({ port: silentPort, connectTimeoutMs: 200 })).rejects.toThrow(
        /timeout expired after 200 ms/,
      );
    } finally {
      silent.close();
    }
  });
});

const context = (over: Record<string, unknown>) =>
  new PgContext(
    parsePostgresqlConfig({
      listen: `127.0.0.1:${port}`,
      data_dir: join(root.path, 'hb', 'data'),
      authentication: TEST_AUTH,
      ...over,
    }),
    { scope: 'heartbeat', name: 'hb' },
  );

const heartbeatSessions = async () =>
  (
    await sqlOn<{ n: number }>(
      port,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'Patroni heartbeat'",
    )
  )[0]?.n ?? 0;

describe('PgContext.query', () => {
  it('runs parameterless queries on the heartbeat connection, with the rows node-postgres would give', async () => {
    const ctx = context({});
    const sql = `SELECT true AS yes, NULL::boolean AS unknown, 7::int AS n, 'it''s'::text AS t, 'slot_a'::name AS nm,
       NULL::text AS none, '0/3000060'::pg_lsn::text AS lsn FROM generate_series(1, 2)`;
    const before = await heartbeatSessions();
    try {
      const rows = await ctx.query(sql);
      expect(rows).toEqual([
        { yes: true, unknown: null, n: 7, t: "it's", nm: 'slot_a', none: null, lsn: '0/3000060' },
        { yes: true, unknown: null, n: 7, t: "it's", nm: 'slot_a', none: null, lsn: '0/3000060' },
      ]);
      expect(await ctx.query(`${sql} WHERE false`)).toEqual([]);
      await expect(ctx.query('SELECT nonsense')).rejects.toThrow(/column "nonsense" does not exist/);
      // One session so far: the heartbeat connection. A parameter sends the query through node-postgres.
      expect(await heartbeatSessions()).toBe(before + 1);
      expect(await ctx.query(`${sql} WHERE $1::int = 1`, [1])).toEqual(rows);
      expect(await heartbeatSessions()).toBe(before + 2);
    } finally {
      await ctx.closeConnection();
    }
  });

  it('reads values written with sqlLiteral back unchanged, whatever standard_conforming_strings says', async () => {
    const ctx = context({});
    const values = ["it's", "back\\slash \\'", "E'x'", 'p\u00e4ss\u00a0word', '$1 ; --'];
    const check = (engine: string) => async (run: Run) => {
      for (const conforming of ['on', 'off']) {
        await run(`SET standard_conforming_strings = ${conforming}`);
        for (const value of values) {
          const [row] = await run(`SELECT ${sqlLiteral(value)} AS v`);
          expect(row?.v, `${value} (${engine}, standard_conforming_strings ${conforming})`).toBe(value);
        }
      }
    };
    try {
      await ctx.withConnection(check('heartbeat client'));
      // A setting the heartbeat client does not know sends the connection to node-postgres.
      await ctx.withConnection(check('node-postgres'), { keepAlive: true });
      expect(() => sqlLiteral('a\0b')).toThrow(/NUL/);
    } finally {
      await ctx.closeConnection();
    }
  });

  it('creates, then alters, a role whose name and password need quoting', async () => {
    const ctx = context({});
    const name = 'odd "role" \\ name';
    await ctx.withConnection((run) => createOrAlterRole(run, name, "pa'ss\\word", ['replication']));
    // The password arrived as written: the role logs in with it.
    expect((await (await open({ user: name, password: "pa'ss\\word" })).query('SELECT 1')).rows).toEqual([
      ['1'],
    ]);
    await ctx.withConnection((run) => createOrAlterRole(run, name, 'second', ['NOLOGIN']));
    const [role] = await sqlOn<{ rolcanlogin: boolean; rolreplication: boolean }>(
      port,
      `SELECT rolcanlogin, rolreplication FROM pg_catalog.pg_roles WHERE rolname = ${sqlLiteral(name)}`,
    );
    // Altered, not created again: REPLICATION stays, LOGIN went.
    expect(role).toEqual({ rolcanlogin: false, rolreplication: true });
    await sqlOn(port, `DROP ROLE ${sqlIdentifier(name)}`);
  });
});

describe('withReplicationConnection', () => {
  it('asks IDENTIFY_SYSTEM over the heartbeat client, and over node-postgres for settings it does not know', async () => {
    const settings = {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: TEST_AUTH.superuser.password,
      database: 'postgres',
      application_name: 'Patroni',
    };
    const direct = await withReplicationConnection(settings, identifySystem);
    expect(direct.timeline).toBe(1);
    expect(direct.systemId).toMatch(/^\d{10,}$/);
    const viaSocket = await withReplicationConnection({ ...settings, host: socketDir }, identifySystem);
    expect(viaSocket.systemId).toBe(direct.systemId);
    expect(() => connectOptionsOf({ ...settings, keepAlive: true })).toThrow(HeartbeatUnsupported);
    const viaDriver = await withReplicationConnection({ ...settings, keepAlive: true }, identifySystem);
    expect(viaDriver.systemId).toBe(direct.systemId);
    expect(viaDriver.timeline).toBe(1);
  });

  it('maps node-postgres settings, and leaves TLS to node-postgres', () => {
    expect(connectOptionsOf({ port: 5433, connectionTimeoutMillis: 1500 }, { replication: true })).toEqual({
      host: 'localhost',
      port: 5433,
      user: 'postgres',
      password: undefined,
      database: 'postgres',
      applicationName: 'Patroni',
      replication: true,
      connectTimeoutMs: 1500,
    });
    expect(() => connectOptionsOf({ ssl: { rejectUnauthorized: false } })).toThrow(/TLS/);
  });
});

describe('PgContext.queryJson', () => {
  it('reads on the heartbeat connection, and on node-postgres where that one cannot log in', async () => {
    const withPassword = context({});
    const sessions = heartbeatSessions;
    // The connections of the tests above are still open: count the new ones.
    const before = (await sessions()) ?? 0;
    try {
      expect(await withPassword.queryJson<number>('SELECT to_json(41 + 1)')).toBe(42);
      expect(
        await withPassword.queryJson<{ a: number[] }>(
          `SELECT json_build_object('a', json_build_array(1, 2))`,
        ),
      ).toEqual({
        a: [1, 2],
      });
      expect(await withPassword.queryJson('SELECT to_json(1) WHERE false')).toBeNull();
      expect(await sessions()).toBe(before + 1);
      await expect(withPassword.queryJson('SELECT nonsense')).rejects.toThrow(
        /column "nonsense" does not exist/,
      );
      expect(await withPassword.queryJson<number>('SELECT to_json(7)')).toBe(7);
    } finally {
      await withPassword.closeConnection();
    }
    // No password configured and a server that asks for one: node-postgres (which also reads PGPASSWORD and
    // the pgpass file) answers instead.
    const previous = process.env.PGPASSWORD;
    process.env.PGPASSWORD = TEST_AUTH.superuser.password;
    const withoutPassword = context({
      authentication: { ...TEST_AUTH, superuser: { username: 'postgres' } },
    });
    try {
      expect(await withoutPassword.queryJson<number>('SELECT to_json(5)')).toBe(5);
      expect(await withoutPassword.queryJson<number>('SELECT to_json(6)')).toBe(6);
    } finally {
      await withoutPassword.closeConnection();
      if (previous === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = previous;
    }
  });
});
