import { readFile, readlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { type Conninfo, parseConninfo } from './conninfo.js';
import type { Tree } from './deep-merge.js';
import type { Env } from './load-config.js';
import { formatGeneratedConfig, hostAddress, templateConfig } from './sample-config.js';

const FIXME = '#FIXME';

/** libpq connection parameters kept as the superuser's auth, and the variables they default from. */
const AUTH_PARAMETERS: Readonly<Record<string, string>> = {
  user: 'PGUSER',
  password: 'PGPASSWORD',
  sslmode: 'PGSSLMODE',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslpassword: '',
  sslrootcert: 'PGSSLROOTCERT',
  sslcrl: 'PGSSLCRL',
  sslcrldir: 'PGSSLCRLDIR',
  gssencmode: 'PGGSSENCMODE',
  channel_binding: 'PGCHANNELBINDING',
};

/** Parameters always read: the file locations and Patroni's command-line (guarded) parameters. */
const REQUIRED_PARAMETERS = [
  'hba_file',
  'ident_file',
  'config_file',
  'data_directory',
  'listen_addresses',
  'port',
  'cluster_name',
  'wal_level',
  'hot_standby',
  'max_connections',
  'max_wal_senders',
  'wal_keep_segments',
  'wal_keep_size',
  'max_prepared_transactions',
  'max_locks_per_transaction',
  'track_commit_timestamp',
  'max_replication_slots',
  'max_worker_processes',
  'wal_log_hints',
];

/** Kept in the local `postgresql.parameters`: commands (security) and file locations (never dropped). */
const LOCAL_PARAMETERS = new Set([
  'archive_command',
  'restore_command',
  'archive_cleanup_command',
  'recovery_end_command',
  'ssl_passphrase_command',
  'hba_file',
  'ident_file',
  'config_file',
]);

const SETTINGS_SQL = `SELECT name, pg_catalog.current_setting(name) AS value FROM pg_catalog.pg_settings
 WHERE context <> 'internal' AND source IN ('configuration file', 'command line', 'environment variable')
 AND category <> 'Write-Ahead Log / Recovery Target' AND setting <> '(disabled)' OR name = ANY($1)`;

/** An expected failure: the message Patroni exits with. */
export class GenerateConfigError extends Error {}

export interface RunningConfigDeps {
  readonly env: Env;
  /** `getpass('Please enter the user password:')`; null when there is no input. */
  readonly readPassword: (prompt: string) => Promise<string | null>;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

/** The superuser auth section: connection parameters from the DSN, else libpq's variables. */
async function superuserParams(dsn: Conninfo, deps: RunningConfigDeps): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [name, variable] of Object.entries(AUTH_PARAMETERS)) {
    const value = dsn[name] ?? (variable ? deps.env[variable] : undefined);
    if (value) params[name] = value;
  }
  const { user, ...rest } = params;
  const password = rest.password || (await deps.readPassword('Please enter the user password:'));
  if (password === null) throw new GenerateConfigError('Failed to read the user password');
  return { ...rest, username: user || osUser(), password };
}

function clientConfig(dsn: Conninfo, auth: Record<string, string>, env: Env): pg.ClientConfig {
  const sslmode = dsn.sslmode ?? env.PGSSLMODE;
  const ssl =
    sslmode === 'require'
      ? { rejectUnauthorized: false }
      : sslmode === 'verify-ca' || sslmode === 'verify-full'
        ? { rejectUnauthorized: true }
        : undefined;
  const user = auth.username as string;
  return {
    host: dsn.host ?? env.PGHOST ?? '/var/run/postgresql',
    port: Number(dsn.port ?? env.PGPORT ?? 5432),
    user,
    password: auth.password,
    database: dsn.dbname ?? env.PGDATABASE ?? user,
    connectionTimeoutMillis: Number(dsn.connect_timeout ?? env.PGCONNECT_TIMEOUT ?? 0) * 1000,
    ...(ssl ? { ssl } : {}),
  };
}

interface InstanceFacts {
  readonly pgMajor: number;
  readonly settings: readonly [string, string][];
}

async function readInstance(config: pg.ClientConfig): Promise<InstanceFacts> {
  const { default: driver } = await import('pg');
  const client = new driver.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const flags = await client.query<{ superuser: string; version: string }>(
      "SELECT pg_catalog.current_setting('is_superuser') AS superuser, pg_catalog.current_setting('server_version_num') AS version",
    );
    const row = flags.rows[0];
    if (row?.superuser !== 'on')
      throw new GenerateConfigError('The provided user does not have superuser privilege');
    const settings = await client.query<{ name: string; value: string }>(SETTINGS_SQL, [REQUIRED_PARAMETERS]);
    return { pgMajor: Number(row.version), settings: settings.rows.map((r) => [r.name, r.value]) };
  } catch (error) {
    if (error instanceof GenerateConfigError) throw error;
    throw new GenerateConfigError(`Failed to establish PostgreSQL connection: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Spreads the GUCs over the config as Patroni does (config.md §9). */
function applySettings(
  config: Tree,
  settings: InstanceFacts['settings'],
  connect: { ip: string; port: string | undefined },
) {
  const postgresql = config.postgresql as Tree;
  const local: Tree = {};
  const dynamic = ((config.bootstrap as Tree).dcs as Tree).postgresql as Tree;
  const dynamicParameters = dynamic.parameters as Tree;
  const listen: Record<'port' | 'listen_addresses', string | null> = { port: null, listen_addresses: null };
  for (const [name, value] of settings) {
    if (name === 'data_directory') postgresql.data_dir = value;
    else if (name === 'cluster_name') {
      if (value) config.scope = value;
    } else if (LOCAL_PARAMETERS.has(name)) local[name] = value;
    else if (name === 'port' || name === 'listen_addresses') listen[name] = value;
    else dynamicParameters[name] = value;
  }
  postgresql.parameters = { ...((postgresql.parameters as Tree | undefined) ?? {}), ...local };
  postgresql.connect_address = `${connect.ip}:${connect.port ?? listen.port}`;
  postgresql.listen = `${listen.listen_addresses}:${listen.port}`;
}

const HBA_TYPES = ['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'];

async function strippedLines(path: string, what: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').map((line) => line.trim());
  } catch (error) {
    throw new GenerateConfigError(`Failed to read ${what}: ${(error as Error).message}`);
  }
}

/** `pg_hba`/`pg_ident` from the data directory's own files (only when the instance uses those). */
async function applyConfFiles(postgresql: Tree, pgMajor: number): Promise<void> {
  const dataDir = String(postgresql.data_dir);
  const parameters = postgresql.parameters as Tree;
  const types = pgMajor >= 160000 ? [...HBA_TYPES, 'include', 'include_if_exists', 'include_dir'] : HBA_TYPES;
  const hbaPath = join(dataDir, 'pg_hba.conf');
  if (parameters.hba_file === hbaPath) {
    const lines = await strippedLines(hbaPath, 'pg_hba.conf');
    postgresql.pg_hba = lines.filter((line) => line && types.includes(line.split(/\s+/)[0] as string));
  }
  const identPath = join(dataDir, 'pg_ident.conf');
  if (parameters.ident_file === identPath) {
    const lines = (await strippedLines(identPath, 'pg_ident.conf')).filter((l) => l && !l.startsWith('#'));
    if (lines.length > 0) postgresql.pg_ident = lines;
  }
}

/** The directory of the running postmaster's executable (PID from `postmaster.pid`). */
async function postmasterBinDir(dataDir: string): Promise<string> {
  let pid: number;
  try {
    const first = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]?.trim() ?? '';
    if (!first) throw new GenerateConfigError('Failed to obtain postmaster pid from postmaster.pid file');
    pid = Number.parseInt(first, 10);
  } catch (error) {
    if (error instanceof GenerateConfigError) throw error;
    throw new GenerateConfigError(`Error while reading postmaster.pid file: ${(error as Error).message}`);
  }
  try {
    return dirname(await readlink(`/proc/${pid}/exe`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new GenerateConfigError("Obtained postmaster pid doesn't exist.");
    throw error;
  }
}

/** `patroni --generate-config [--dsn DSN]`: the YAML text for the running instance. */
export async function generateRunningConfig(
  dsnText: string | null,
  deps: RunningConfigDeps,
): Promise<string> {
  const dsn = dsnText ? parseConninfo(dsnText) : {};
  if (dsn === null) throw new GenerateConfigError('Failed to parse DSN string');
  const address = await hostAddress();
  const config = templateConfig(address, deps.env);
  const auth = await superuserParams(dsn, deps);
  const postgresql = config.postgresql as Tree;
  postgresql.authentication = { superuser: auth, replication: { username: FIXME, password: FIXME } };
  const facts = await readInstance(clientConfig(dsn, auth, deps.env));
  applySettings(config, facts.settings, { ip: address.ip, port: dsn.port ?? deps.env.PGPORT });
  await applyConfFiles(postgresql, facts.pgMajor);
  postgresql.bin_dir = await postmasterBinDir(String(postgresql.data_dir));
  return formatGeneratedConfig(config);
}
