import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, postgresBinDir } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePostgresqlConfig } from './config.js';
import { PostgresErrorCode } from './errors.js';
import { createPostgres, rootError } from './index.js';

// Every bad input gives a clear error and deletes nothing. No server is started here.

let root: { path: string; remove(): Promise<void> };
const start = { role: 'primary' as const, upstream: null, timeoutMs: 5_000 };
const signal = () => AbortSignal.timeout(30_000);

function serverFor(dataDir: string, extra: Record<string, unknown> = {}) {
  const config = parsePostgresqlConfig({
    listen: '127.0.0.1:1',
    data_dir: dataDir,
    pgpass: join(root.path, 'pgpass'),
    bin_dir: postgresBinDir(),
    authentication: { superuser: { username: 'postgres' }, replication: { username: 'rep' } },
    ...extra,
  });
  return createPostgres(config, { scope: 'demo', name: 'pg-1' });
}

/** A directory that looks like a PostgreSQL data directory of `major`, plus a marker file. */
function fakeDataDir(name: string, major: string, mode = 0o700): string {
  const dir = join(root.path, name);
  mkdirSync(join(dir, 'global'), { recursive: true });
  writeFileSync(join(dir, 'PG_VERSION'), `${major}\n`);
  writeFileSync(join(dir, 'global', 'pg_control'), 'not really');
  writeFileSync(join(dir, 'precious'), 'data');
  chmodSync(dir, mode);
  return dir;
}

const leader = { name: 'pg-0', connUrl: 'postgres://127.0.0.1:1/postgres' };

beforeAll(async () => {
  root = await makeTempDir('pg-bad');
});
afterAll(async () => {
  await root.remove();
});

describe('bad input', () => {
  it('missing binaries: names the path and the config key', async () => {
    const dataDir = fakeDataDir('missing-bin', '15');
    const server = serverFor(dataDir, { bin_dir: join(root.path, 'no-such-bin') });
    const result = await server.start(start, signal());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(
      /no-such-bin\/postgres is missing or not executable: check postgresql.bin_dir/,
    );
    const empty = serverFor(join(root.path, 'fresh'), { bin_dir: join(root.path, 'no-such-bin') });
    const boot = await empty.bootstrap(signal());
    expect(!boot.ok && boot.error).toMatch(/initdb is missing or not executable/);
    expect(readdirSync(dataDir).sort()).toEqual(['PG_VERSION', 'global', 'precious']);
  });

  it('data directory of another major version', async () => {
    const dataDir = fakeDataDir('pg14', '14');
    const server = serverFor(dataDir);
    const result = await server.start(start, signal());
    expect(!result.ok && result.error).toMatch(
      /initialized by PostgreSQL 14, which is not compatible with the PostgreSQL 15 binaries: set postgresql.bin_dir/,
    );
    expect((await server.observe()).majorVersion).toBe(140000);
    const boot = await server.bootstrap(signal());
    expect(!boot.ok && boot.error).toMatch(/is not empty/);
    expect(readFileSync(join(dataDir, 'precious'), 'utf8')).toBe('data');
  });

  it('non-empty directory that is not a PostgreSQL data directory', async () => {
    const dataDir = join(root.path, 'junk');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'notes.txt'), 'keep me');
    const server = serverFor(dataDir);
    const observed = await server.observe();
    expect(observed.dataDirectory).toEqual({
      kind: 'invalid',
      error: `data directory ${dataDir} is not empty but is not a PostgreSQL data directory (no valid PG_VERSION and global/pg_control)`,
    });
    const result = await server.start(start, signal());
    expect(!result.ok && result.error).toMatch(/not a PostgreSQL data directory/);
    expect((await server.bootstrap(signal())).ok).toBe(false);
    const replica = await server.createReplica(leader, signal());
    expect(!replica.ok && replica.error).toMatch(/is not empty/);
    expect(readdirSync(dataDir)).toEqual(['notes.txt']);
  });

  it('wrong permissions on the data directory', async () => {
    const dataDir = fakeDataDir('open', '15', 0o755);
    const result = await serverFor(dataDir).start(start, signal());
    expect(!result.ok && result.error).toMatch(/has invalid permissions 0755: it must be 0700 or 0750/);
    expect(readFileSync(join(dataDir, 'precious'), 'utf8')).toBe('data');
  });

  it('an unreadable data directory is reported as inaccessible', async () => {
    const parent = join(root.path, 'locked');
    mkdirSync(join(parent, 'data'), { recursive: true });
    chmodSync(parent, 0o000);
    try {
      const observed = await serverFor(join(parent, 'data')).observe();
      expect(observed.dataDirectory.kind).toBe('inaccessible');
    } finally {
      chmodSync(parent, 0o700);
    }
  });

  it('a failed replica attempt leaves no half-built data directory', async () => {
    const dataDir = join(root.path, 'clone');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, '.keep'), '');
    const server = serverFor(dataDir, {
      create_replica_methods: ['broken', 'also_broken'],
      also_broken: { command: 'false', no_params: true },
      broken: { command: `sh -c 'touch "$0/half-built"; exit 3' ${dataDir}`, no_params: true },
    });
    const result = await server.createReplica(
      { name: 'pg-0', connUrl: 'postgres://127.0.0.1:1/postgres' },
      AbortSignal.timeout(20_000),
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(
      /broken: sh exited with code 3; also_broken: false exited with code 1/,
    );
    expect(readdirSync(dataDir)).toEqual(['.keep']);
  }, 30_000);

  it('running as root is refused with the fix named', () => {
    expect(rootError(0)?.code).toBe(PostgresErrorCode.RunningAsRoot);
    expect(rootError(0)?.message).toMatch(/run the agent as the postgres user/);
    expect(rootError(1000)).toBeNull();
  });
});
