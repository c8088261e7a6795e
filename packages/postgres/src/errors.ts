/** Error codes @patroni/postgres can throw; callers match on `code`. Expected outcomes are return values. */
export const PostgresErrorCode = {
  /** The `postgresql:` or `bootstrap:` section does not validate. */
  InvalidConfig: 'PG_INVALID_CONFIG',
  /** The agent runs as root; PostgreSQL refuses that. */
  RunningAsRoot: 'PG_RUNNING_AS_ROOT',
  /** A PostgreSQL program (postgres, pg_ctl, initdb, ...) could not be found or run. */
  BinaryNotFound: 'PG_BINARY_NOT_FOUND',
  /** PG_VERSION of the data directory names another major version than the binaries. */
  VersionMismatch: 'PG_VERSION_MISMATCH',
  /** The data directory is unusable: not a PostgreSQL directory, wrong permissions, unreadable. */
  BadDataDirectory: 'PG_BAD_DATA_DIRECTORY',
  /** A query on the local server failed. */
  QueryFailed: 'PG_QUERY_FAILED',
} as const;

export type PostgresErrorCodeValue = (typeof PostgresErrorCode)[keyof typeof PostgresErrorCode];

export class PostgresError extends Error {
  readonly code: PostgresErrorCodeValue;
  constructor(code: PostgresErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresError';
    this.code = code;
  }
}

export function isPostgresError(error: unknown, code?: PostgresErrorCodeValue): error is PostgresError {
  return error instanceof PostgresError && (code === undefined || error.code === code);
}

/** The message of anything thrown, for OperationResult errors and logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
