// Shared set-up of the tests that run real PostgreSQL servers (not published: `*.test.*` is left out of the
// package): the dynamic config, the users, a server on a free port in a temp dir, and a one-shot query.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicConfig, defaultDynamicConfig, type Logger } from '@patroni/ha-core';
import { postgresBinDir } from '@patroni/testkit';
import pg from 'pg';
import { parseBootstrapConfig, parsePostgresqlConfig } from './config.js';
import { createPostgres } from './index.js';
import type { PostgresManager } from './postgres-manager.js';

/** Patroni's defaults, with pg_rewind on and the parameters the slot tests need. */
export const TEST_DYNAMIC: DynamicConfig = {
  ...defaultDynamicConfig(),
  postgresql: {
    ...defaultDynamicConfig().postgresql,
    usePgRewind: true,
    parameters: { wal_level: 'logical', max_connections: 30 },
  },
};

export const TEST_AUTH = {
  superuser: { username: 'postgres', password: 'su-secret' },
  replication: { username: 'replicator', password: 'rep-secret' },
  rewind: { username: 'rewinder', password: 'rw-secret' },
};

export interface TestServerOptions {
  /** Parent temp dir; the server lives in `<root>/<name>`. */
  readonly root: string;
  readonly name: string;
  readonly port: number;
  readonly scope: string;
  readonly logger?: Logger;
  readonly dynamic?: DynamicConfig;
  /** More `postgresql` config keys (overriding the defaults). */
  readonly extra?: Record<string, unknown>;
}

/** A PostgresManager for a server on 127.0.0.1:`port` with password logins and fsync off. */
export function makeTestServer(options: TestServerOptions): PostgresManager {
  const dir = join(options.root, options.name);
  mkdirSync(dir, { recursive: true });
  const config = parsePostgresqlConfig({
    listen: `127.0.0.1:${options.port}`,
    connect_address: `127.0.0.1:${options.port}`,
    data_dir: join(dir, 'data'),
    pgpass: join(dir, 'pgpass'),
    bin_dir: postgresBinDir(),
    authentication: TEST_AUTH,
    use_pg_rewind: true,
    parameters: { unix_socket_directories: dir, shared_buffers: '16MB', fsync: 'off', max_wal_size: '64MB' },
    pg_hba: [
      'local all all trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host all all ::1/128 scram-sha-256',
      'host replication replicator 127.0.0.1/32 scram-sha-256',
      'host replication replicator ::1/128 scram-sha-256',
    ],
    ...options.extra,
  });
  const dynamic = options.dynamic ?? TEST_DYNAMIC;
  return createPostgres(config, {
    scope: options.scope,
    name: options.name,
    ...(options.logger ? { logger: options.logger } : {}),
    bootstrap: parseBootstrapConfig({ initdb: [{ encoding: 'UTF8' }, { locale: 'C' }] }),
    dynamicConfig: () => dynamic,
    postmasterLogFile: join(dir, 'postgres.log'),
  });
}

/** Runs one statement on a fresh connection to 127.0.0.1:`port`. */
export async function sqlOn<T extends pg.QueryResultRow>(
  port: number,
  text: string,
  user: { username: string; password: string } = TEST_AUTH.superuser,
): Promise<T[]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: user.username,
    password: user.password,
    database: 'postgres',
  });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** A logger that keeps `level: message` lines (debug dropped) for assertions. */
export function recordingLogger(lines: string[]): Logger {
  const record = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { debug: () => undefined, info: record('info'), warn: record('warn'), error: record('error') };
}
