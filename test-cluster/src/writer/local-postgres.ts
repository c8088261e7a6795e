import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  type ManagedProcess,
  postgresBinDir,
  runningAsRoot,
  spawnManaged,
  waitUntil,
} from '@patroni/testkit';
import { closeQuietly, connectPg } from './pg-client.js';

const run = promisify(execFile);

/** A single PostgreSQL server in a directory of its own, for tests of client-side tools. */
export interface LocalPostgres {
  readonly port: number;
  readonly connectionString: string;
  readonly process: ManagedProcess;
  /** Fast shutdown (SIGINT, like `pg_ctl stop -m fast`); resolves when the postmaster has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves when it accepts queries. */
  start(): Promise<void>;
}

/** initdb + postgres on a free loopback port, trust auth, socket in `dir`. Must not run as root. */
export async function startLocalPostgres(dir: string): Promise<LocalPostgres> {
  if (runningAsRoot())
    throw new Error('PostgreSQL refuses to run as root: run tests through scripts/vitest.sh');
  const bin = postgresBinDir();
  const dataDir = join(dir, 'data');
  await mkdir(dir, { recursive: true });
  await run(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const port = await freePort();
  const connectionString = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  const launch = async () => {
    const proc = spawnManaged(join(bin, 'postgres'), args, { logFile: join(dir, 'postgres.log') });
    await waitUntil(`PostgreSQL on port ${port}`, () => acceptsQueries(connectionString), 30_000);
    return proc;
  };
  let proc = await launch();
  return {
    port,
    connectionString,
    get process() {
      return proc;
    },
    async stop() {
      if (!proc.isRunning()) return;
      proc.signal('SIGINT');
      await proc.exited;
    },
    async start() {
      if (proc.isRunning()) return;
      proc = await launch();
    },
  };
}

async function acceptsQueries(connectionString: string): Promise<boolean> {
  const client = await connectPg({
    connectionString,
    connectTimeoutMs: 1_000,
    statementTimeoutMs: 1_000,
    applicationName: 'patroni-test',
  });
  try {
    await client.query('SELECT 1');
    return true;
  } finally {
    closeQuietly(client);
  }
}
