import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctl, TestCluster } from './harness.test.util.js';
import { startTestPostgres, type TestPostgres } from './local-pg.test.util.js';

let server: TestPostgres;
let closedPort: number;

beforeAll(async () => {
  server = await startTestPostgres();
  closedPort = server.port + 1 === 65536 ? 1 : server.port + 1;
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** The reference cluster with node1/node2 pointing at the test server and node3 at a closed port. */
function cluster(): TestCluster {
  const c = new TestCluster();
  const url = (port: number) => `postgres://127.0.0.1:${port}/postgres`;
  for (const [name, port] of [
    ['node1', server.port],
    ['node2', server.port],
    ['node3', closedPort],
  ] as const) {
    c.setJson(`members/${name}`, { ...(c.json(`members/${name}`) as object), conn_url: url(port) });
  }
  return c;
}

const superuserEnv = () => ({
  PATRONI_SUPERUSER_USERNAME: 'postgres',
  PATRONI_SUPERUSER_PASSWORD: server.password,
});
const TS = '2026-11-26 10:00:00';
const VALUES_SQL =
  "SELECT 1 AS a, 'x y' AS b, NULL AS c, true AS d, 1.5::float8 AS e, 2::float8 AS f, '{\"k\": [1]}'::jsonb AS g";

describe('patronictl query against a real PostgreSQL', () => {
  it('prints tsv by default, with Python str() of each value, as the configured superuser', async () => {
    const result = await ctl(cluster(), ['query', 'bench', '-c', VALUES_SQL], { env: superuserEnv() });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe("a\tb\tc\td\te\tf\tg\n1\tx y\tNone\tTrue\t1.5\t2.0\t{'k': [1]}\n");
  });

  it('--format pretty, json, yaml and --delimiter', async () => {
    const env = superuserEnv();
    const sql = "SELECT 1 AS n, 'a' AS s, NULL AS z, 2.5::float8 AS f";
    const pretty = await ctl(cluster(), ['query', 'bench', '--format', 'pretty', '-c', sql], { env });
    expect(pretty.out).toBe(
      [
        '+---+---+------+-----+',
        '| n | s | z    | f   |',
        '+---+---+------+-----+',
        '| 1 | a | None | 2.5 |',
        '+---+---+------+-----+',
        '',
      ].join('\n'),
    );
    const json = await ctl(cluster(), ['query', 'bench', '--format', 'json', '-c', sql], { env });
    expect(json.out).toBe('[{"n": 1, "s": "a", "z": null, "f": 2.5}]\n');
    const yaml = await ctl(cluster(), ['query', 'bench', '--format', 'yaml', '-c', sql], { env });
    // PyYAML quotes `n` (a YAML 1.1 boolean).
    expect(yaml.out).toBe("- f: 2.5\n  'n': 1\n  s: a\n  z: null\n");
    const tsv = await ctl(cluster(), ['query', 'bench', '--delimiter', ',', '-c', sql], { env });
    expect(tsv.out).toBe('n,s,z,f\n1,a,None,2.5\n');
    const other = await ctl(cluster(), ['query', 'bench', '--format', 'xml', '-c', sql], { env });
    expect([other.code, other.out]).toEqual([0, '']);
  });

  it('an empty result set prints the header only', async () => {
    const result = await ctl(cluster(), ['query', 'bench', '-c', 'SELECT 1 AS one WHERE false'], {
      env: superuserEnv(),
    });
    expect(result.out).toBe('one\n');
  });

  it('runs every statement and prints the last result; timestamps as Python prints datetimes', async () => {
    const sql =
      "SET TIME ZONE 'UTC'; SELECT '2024-01-02 03:04:05.5+02'::timestamptz AS t, '2024-01-02 03:04:05'::timestamp AS u, ARRAY[1,2] AS i, ARRAY['a','b'] AS s";
    const result = await ctl(cluster(), ['query', 'bench', '-c', sql], { env: superuserEnv() });
    expect(result.out).toBe(
      "t\tu\ti\ts\n2024-01-02 01:04:05.500000+00:00\t2024-01-02 03:04:05\t[1, 2]\t['a', 'b']\n",
    );
  });

  it('-U with PGPASSWORD (libpq defaults), and --password prompting', async () => {
    const withEnv = await ctl(
      cluster(),
      ['query', 'bench', '-U', 'postgres', '-c', 'SELECT current_user AS u'],
      {
        env: { PGPASSWORD: server.password },
      },
    );
    expect(withEnv.out).toBe('u\npostgres\n');
    const prompted = await ctl(
      cluster(),
      [
        'query',
        'bench',
        '-U',
        'postgres',
        '--password',
        '-d',
        'template1',
        '-c',
        'SELECT current_database() AS d',
      ],
      { answers: [server.password] },
    );
    expect(prompted.asked).toEqual(['Password']);
    expect(prompted.out).toBe('d\ntemplate1\n');
  });

  it('errors become one row without header: SQLSTATE, wrong password, no result set, closed port', async () => {
    const env = superuserEnv();
    const missing = await ctl(cluster(), ['query', 'bench', '-c', 'SELECT * FROM no_such_table'], { env });
    expect([missing.code, missing.out]).toEqual([0, `${TS}\tERROR, SQLSTATE: 42P01\n`]);
    const denied = await ctl(cluster(), ['query', 'bench', '-c', 'SELECT 1'], {
      env: { ...env, PATRONI_SUPERUSER_PASSWORD: 'wrong' },
    });
    expect(denied.out).toBe(`${TS}\tERROR, SQLSTATE: 28P01\n`);
    const noRows = await ctl(cluster(), ['query', 'bench', '-c', 'CREATE TEMP TABLE t (id int)'], { env });
    expect(noRows.out).toBe(`${TS}\tERROR, SQLSTATE: no results to fetch\n`);
    const refused = await ctl(cluster(), ['query', 'bench', '-m', 'node3', '-c', 'SELECT 1'], { env });
    expect(refused.out).toMatch(new RegExp(`^${TS}\\tERROR, SQLSTATE: .*ECONNREFUSED.*\\n$`));
    const pretty = await ctl(cluster(), ['query', 'bench', '--format', 'pretty', '-c', 'SELECT x'], { env });
    expect(pretty.out).toBe(
      [
        '+---------------------+------------------------+',
        '| Field 1             | Field 2                |',
        '+---------------------+------------------------+',
        `| ${TS} | ERROR, SQLSTATE: 42703 |`,
        '+---------------------+------------------------+',
        '',
      ].join('\n'),
    );
  });

  it('-r/-m choose the member; the role is double-checked with pg_is_in_recovery()', async () => {
    const env = superuserEnv();
    const sql = 'SELECT 1 AS one';
    const primary = await ctl(cluster(), ['query', 'bench', '-r', 'primary', '-c', sql], { env });
    expect(primary.out).toBe('one\n1\n');
    const replica = await ctl(cluster(), ['query', 'bench', '-r', 'replica', '-c', sql], { env });
    expect(replica.out).toBe(`${TS}\tNo connection to role replica is available\n`);
    const member = await ctl(cluster(), ['query', 'bench', '-m', 'node1', '-c', sql], { env });
    expect(member.out).toBe('one\n1\n');
    const unknown = await ctl(cluster(), ['query', 'bench', '-m', 'nope', '-c', sql], { env });
    expect(unknown.out).toBe(`${TS}\tNo connection to member nope is available\n`);
    const both = await ctl(cluster(), ['query', 'bench', '-m', 'node1', '-r', 'any', '-c', sql], { env });
    expect([both.code, both.err]).toEqual([1, 'Error: --role and --member are mutually exclusive options\n']);
  });

  it('--file, and the --file/--command checks', async () => {
    const file = join(server.dir, 'q.sql');
    writeFileSync(file, 'SELECT 42 AS answer');
    const env = superuserEnv();
    const fromFile = await ctl(cluster(), ['query', 'bench', '-f', file], { env });
    expect(fromFile.out).toBe('answer\n42\n');
    const both = await ctl(cluster(), ['query', 'bench', '-f', file, '-c', 'SELECT 1'], { env });
    expect([both.code, both.err]).toEqual([
      1,
      'Error: --file and --command are mutually exclusive options\n',
    ]);
    const neither = await ctl(cluster(), ['query', 'bench'], { env });
    expect([neither.code, neither.err]).toEqual([
      1,
      'Error: You need to specify either --command or --file\n',
    ]);
    const absent = await ctl(cluster(), ['query', 'bench', '-f', join(server.dir, 'absent.sql')], { env });
    expect(absent.code).toBe(2);
    expect(absent.err).toContain('No such file or directory');
  });

  it('-w repeats the query with a new connection each time', async () => {
    let sleeps = 0;
    const result = await ctl(cluster(), ['query', 'bench', '-w', '0.5', '-c', 'SELECT 7 AS seven'], {
      env: superuserEnv(),
      sleep: async (ms) => {
        expect(ms).toBeLessThanOrEqual(500);
        if (++sleeps === 2) throw new Error('interrupted');
      },
    });
    expect(result.out).toBe('seven\n7\nseven\n7\n');
    expect(result.code).toBe(1);
  });
});
