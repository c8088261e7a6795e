import { closeQuietly, connectPg, type PgClientOptions } from './pg-client.js';

export interface LostWritesReport {
  readonly acknowledged: number;
  /** Acknowledged ids absent from the table: writes a client was told were committed, then lost. */
  readonly lost: number;
  /** Up to 20 of the lost ids, for the failure message. */
  readonly lostSample: readonly number[];
}

/**
 * Counts the acknowledged ids missing from `table`. Reads through one connection; a failure to connect or
 * query is thrown (the caller cannot conclude anything without the table).
 */
export async function countLostWrites(
  options: PgClientOptions,
  table: string,
  acknowledgedIds: readonly number[],
): Promise<LostWritesReport> {
  const client = await connectPg({
    ...options,
    statementTimeoutMs: Math.max(options.statementTimeoutMs, 30_000),
  });
  try {
    // unnest + anti-join: one round trip however many ids were written.
    const { rows } = await client.query(
      `SELECT a.id FROM unnest($1::bigint[]) AS a(id) LEFT JOIN ${table} t ON t.id = a.id
        WHERE t.id IS NULL ORDER BY a.id`,
      [acknowledgedIds.map(String)],
    );
    const lostIds = rows.map((row) => Number(row.id));
    return { acknowledged: acknowledgedIds.length, lost: lostIds.length, lostSample: lostIds.slice(0, 20) };
  } finally {
    closeQuietly(client);
  }
}
