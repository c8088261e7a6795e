import { userInfo } from 'node:os';
import pg from 'pg';
import { getPath, isTree, type Tree } from '../config/deep-merge.js';
import { pgCellValue } from './pg-values.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What the user gave on the command line (`-U`, `--password`, `-d`). */
export interface ConnectOverrides {
  readonly user?: string;
  readonly password?: string;
  readonly dbname?: string;
}

/** The connection patronictl opens to a member (host/port from its `conn_url`). */
export interface MemberConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
}

function configSuperuser(local: Tree): { username?: string; password?: string } {
  const superuser = getPath(local, ['postgresql', 'authentication', 'superuser']);
  if (!isTree(superuser)) return {};
  return {
    ...(typeof superuser.username === 'string' ? { username: superuser.username } : {}),
    ...(superuser.password !== undefined && superuser.password !== null
      ? { password: String(superuser.password) }
      : {}),
  };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

/**
 * Credentials for `query`: `-U` first, else the configured superuser (`postgresql.authentication.superuser`,
 * so `-c <node config>` just works), else libpq's defaults (`PGUSER`, the OS user). The password: the
 * prompted one, else `PGPASSWORD`, else the configured superuser's when connecting as that user, else
 * none (node-postgres then reads `~/.pgpass`). The database: `-d`, else `PGDATABASE`, else the user name.
 */
export function memberConnection(
  target: { host: string; port: number },
  overrides: ConnectOverrides,
  local: Tree,
  env: Env,
): MemberConnection {
  const superuser = configSuperuser(local);
  const user = overrides.user ?? superuser.username ?? env.PGUSER ?? osUser();
  const password =
    overrides.password ?? env.PGPASSWORD ?? (superuser.username === user ? superuser.password : undefined);
  const database = overrides.dbname ?? env.PGDATABASE;
  return {
    ...target,
    user,
    ...(password !== undefined ? { password } : {}),
    ...(database !== undefined ? { database } : {}),
  };
}

/** A result set: column names (null when the statement returns none) and rows of printable values. */
export type SqlOutcome =
  | { readonly kind: 'rows'; readonly columns: readonly string[]; readonly rows: unknown[][] }
  | { readonly kind: 'error'; readonly message: string };

/** Every value as the server's text; pgCellValue converts it the way psycopg2 would. */
const rawText = { getTypeParser: () => (value: string) => value };

/** psycopg2's message: the SQLSTATE when the server sent one, else the error text on one line. */
function errorMessage(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  const text = error instanceof Error ? error.message : String(error);
  return text.replaceAll('\n', ' ');
}

export interface SqlSession {
  /** `SELECT pg_is_in_recovery()`; null when it could not be asked. */
  inRecovery(): Promise<boolean | null>;
  /** Runs `sql` (one or more statements; the last result counts, as with psycopg2). */
  run(sql: string): Promise<SqlOutcome>;
  close(): Promise<void>;
}

/** Connects like `get_cursor` (`fallback_application_name=Patroni ctl`, `connect_timeout=5`). */
export async function openSqlSession(
  connection: MemberConnection,
): Promise<SqlSession | { kind: 'error'; message: string }> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    ...(connection.password !== undefined ? { password: connection.password } : {}),
    ...(connection.database !== undefined ? { database: connection.database } : {}),
    fallback_application_name: 'Patroni ctl',
    connectionTimeoutMillis: 5_000,
    types: rawText,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    return { kind: 'error', message: errorMessage(error) };
  }
  return {
    async inRecovery() {
      try {
        const result = await client.query<{ recovery: string }>(
          'SELECT pg_catalog.pg_is_in_recovery() AS recovery',
        );
        const row = result.rows[0];
        return row === undefined || row.recovery === 't';
      } catch {
        return null;
      }
    },
    async run(sql) {
      try {
        const query: pg.QueryArrayConfig = { text: sql, rowMode: 'array' };
        const results = (await client.query(query)) as pg.QueryArrayResult | pg.QueryArrayResult[];
        const last = Array.isArray(results) ? results.at(-1) : results;
        // psycopg2 raises "no results to fetch" when the last statement returned no result set.
        if (last === undefined || last.fields.length === 0) {
          return { kind: 'error', message: 'no results to fetch' };
        }
        const columns = last.fields.map((f) => f.name);
        const rows = (last.rows as (string | null)[][]).map((row) =>
          last.fields.map((f, i) => pgCellValue(row[i] ?? null, f.dataTypeID)),
        );
        return { kind: 'rows', columns, rows };
      } catch (error) {
        return { kind: 'error', message: errorMessage(error) };
      }
    },
    close: () => client.end().catch(() => undefined),
  };
}
