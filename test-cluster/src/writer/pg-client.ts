import { createRequire } from 'node:module';

/**
 * The few parts of node-postgres the writer uses. This package has `pg` but not `@types/pg`, so the module
 * is loaded untyped and given this narrow shape here (the surface is small and stable across pg 8.x).
 */
export interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}

export interface PgClientOptions {
  connectionString: string;
  connectTimeoutMs: number;
  /** Server-side `statement_timeout` and the client-side query timeout. */
  statementTimeoutMs: number;
  applicationName: string;
}

interface PgModule {
  Client: new (config: Record<string, unknown>) => PgClient;
}

const pg = createRequire(import.meta.url)('pg') as PgModule;

/**
 * A client whose socket errors (server shutdown, broken connection) are swallowed: the failing query reports
 * them, and an unhandled 'error' event would otherwise crash the process.
 */
export function createPgClient(options: PgClientOptions): PgClient {
  const client = new pg.Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 500,
    application_name: options.applicationName,
  });
  client.on('error', () => {});
  return client;
}

/** Opens a client, or returns the error that prevented it. */
export async function connectPg(options: PgClientOptions): Promise<PgClient> {
  const client = createPgClient(options);
  try {
    await client.connect();
    return client;
  } catch (error) {
    closeQuietly(client);
    throw error;
  }
}

/** Ends a client without waiting on a server that may be gone. */
export function closeQuietly(client: PgClient): void {
  client.end().catch(() => {});
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
