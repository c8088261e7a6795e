import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresBinDir } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestPostgres, type TestPostgres } from '../ctl/local-pg.test.util.js';
import { runPatroni } from '../patroni-cli.js';
import { parseConninfo } from './conninfo.js';
import { getPath } from './deep-merge.js';

/** A value of the generated YAML by dotted path. */
const at = (config: unknown, path: string): unknown => getPath(config, path.split('.'));

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres([
    '-c',
    'cluster_name=gen-test',
    '-c',
    'max_connections=42',
    '-c',
    'restore_command=cp /nowhere/%f %p',
    '-c',
    'work_mem=8MB',
  ]);
  await server.sql("CREATE ROLE plain LOGIN PASSWORD 'plainpw'");
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

function capture() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), text: () => text };
}

async function generate(argv: string[], env: Record<string, string>, password: string | null = null) {
  const out = capture();
  const err = capture();
  const asked: string[] = [];
  const code = await runPatroni(['--generate-config', ...argv], out, err, {
    env,
    readPassword: async (prompt) => {
      asked.push(prompt);
      return password;
    },
  });
  return { code, out: out.text(), err: err.text(), asked };
}

describe('patroni --generate-config from a running PostgreSQL', () => {
  it('--dsn: GUCs spread over the config, auth, pg_hba, bin_dir', async () => {
    const dsn = `host=127.0.0.1 port=${server.port} user=postgres password=${server.password} dbname=postgres`;
    const result = await generate(['--dsn', dsn], {});
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.asked).toEqual([]);
    expect(result.out).toContain(
      '\n# The bootstrap configuration. Works only when the cluster is not yet initialized.\n',
    );
    const config = parse(result.out);
    expect(at(config, 'scope')).toBe('gen-test');
    expect(at(config, 'postgresql.data_dir')).toBe(server.dataDir);
    expect(at(config, 'postgresql.bin_dir')).toBe(postgresBinDir());
    expect(at(config, 'postgresql.listen')).toBe(`127.0.0.1:${server.port}`);
    expect(at(config, 'postgresql.connect_address')).toMatch(new RegExp(`:${server.port}$`));
    expect(at(config, 'postgresql.authentication')).toEqual({
      superuser: { username: 'postgres', password: server.password },
      replication: { username: '#FIXME', password: '#FIXME' },
    });
    expect(at(config, 'postgresql.parameters')).toEqual({
      restore_command: 'cp /nowhere/%f %p',
      config_file: join(server.dataDir, 'postgresql.conf'),
      hba_file: join(server.dataDir, 'pg_hba.conf'),
      ident_file: join(server.dataDir, 'pg_ident.conf'),
    });
    const hba = readFileSync(join(server.dataDir, 'pg_hba.conf'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^(local|host)\s/.test(l));
    expect(at(config, 'postgresql.pg_hba')).toEqual(hba);
    expect(at(config, 'postgresql.pg_ident')).toBeUndefined();
    const dynamic = at(config, 'bootstrap.dcs.postgresql.parameters') as Record<string, unknown>;
    expect(dynamic.max_connections).toBe('42');
    expect(dynamic.work_mem).toBe('8MB');
    expect(dynamic.wal_level).toBe('replica');
    expect(dynamic.wal_keep_size).toBe('0');
    expect(dynamic.port).toBeUndefined();
    expect(dynamic.cluster_name).toBeUndefined();
    expect(at(config, 'bootstrap.dcs.ttl')).toBe(30);
  });

  it('without --dsn: libpq variables, the password prompted, written to a file', async () => {
    const file = join(server.dir, 'out', 'generated.yml');
    const env = { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres' };
    const result = await generate([file], env, 'whatever-socket-is-trust');
    expect([result.code, result.err]).toEqual([0, '']);
    expect(result.asked).toEqual(['Please enter the user password:']);
    const config = parse(readFileSync(file, 'utf8'));
    expect(at(config, 'postgresql.authentication.superuser')).toEqual({
      username: 'postgres',
      password: 'whatever-socket-is-trust',
    });
    expect(at(config, 'postgresql.connect_address')).toMatch(new RegExp(`:${server.port}$`));
  });

  it('refuses a non-superuser, a bad DSN and an unreachable server with Patroni messages', async () => {
    const plain = await generate(
      ['--dsn', `postgresql://plain:plainpw@127.0.0.1:${server.port}/postgres`],
      {},
    );
    expect([plain.code, plain.err]).toEqual([1, 'The provided user does not have superuser privilege\n']);
    const bad = await generate(['--dsn', 'this is not a dsn'], {});
    expect([bad.code, bad.err]).toEqual([1, 'Failed to parse DSN string\n']);
    const refused = await generate(['--dsn', 'host=127.0.0.1 port=1 user=postgres password=x'], {});
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^Failed to establish PostgreSQL connection: .*ECONNREFUSED/);
  });
});

describe('parseConninfo', () => {
  it('reads key=value strings with quotes and URIs', () => {
    expect(parseConninfo("host=/tmp port = 5433 password='it\\'s x' dbname=db")).toEqual({
      host: '/tmp',
      port: '5433',
      password: "it's x",
      dbname: 'db',
    });
    expect(parseConninfo('postgresql://u:p%40ss@[::1]:6432/db?sslmode=require')).toEqual({
      user: 'u',
      password: 'p@ss',
      host: '::1',
      port: '6432',
      dbname: 'db',
      sslmode: 'require',
    });
    expect(parseConninfo('no equals')).toBeNull();
    expect(parseConninfo("host='unterminated")).toBeNull();
  });
});
