/** A throw-away PostgreSQL for patronictl/generate-config tests: password auth over TCP, trust over the socket. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, makeTempDir, postgresBinDir, spawnManaged, waitUntil } from '@patroni/testkit';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  readonly port: number;
  readonly dir: string;
  readonly dataDir: string;
  readonly password: string;
  /** Runs SQL as the superuser over TCP. */
  sql(text: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPostgres(extraArgs: readonly string[] = []): Promise<TestPostgres> {
  const temp = await makeTempDir('ctl-pg');
  const dir = temp.path;
  const dataDir = join(dir, 'data');
  const password = 'sekret-pw';
  await writeFile(join(dir, 'pwfile'), `${password}\n`);
  const bin = postgresBinDir();
  await run(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    `--pwfile=${join(dir, 'pwfile')}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const port = await freePort();
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    ...extraArgs,
  ];
  const proc = spawnManaged(join(bin, 'postgres'), args, { logFile: join(dir, 'postgres.log') });
  const connect = async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database: 'postgres',
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const sql = async (text: string) => {
    const client = await connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await waitUntil(
    `PostgreSQL on port ${port}`,
    async () => {
      try {
        await sql('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    30_000,
  );
  return {
    port,
    dir,
    dataDir,
    password,
    sql,
    async stop() {
      if (proc.isRunning()) {
        proc.signal('SIGINT');
        await proc.exited;
      }
      await temp.remove();
    },
  };
}
