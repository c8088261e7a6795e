import { setTimeout as sleep } from 'node:timers/promises';
import { closeQuietly, connectPg, errorMessage, type PgClient, type PgClientOptions } from './pg-client.js';

const defaultTable = 'patroni_writer_probe';

/** The table name, checked: it is spliced into SQL, so only plain lower-case identifiers are accepted. */
export function probeTableName(table = defaultTable): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) {
    throw new Error(`writer table name ${JSON.stringify(table)} is not a plain lower-case SQL identifier`);
  }
  return table;
}

/** Creates the probe table, retrying (the cluster may still be electing a leader) until `timeoutMs`. */
export async function ensureProbeTable(options: PgClientOptions, table: string, timeoutMs: number) {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    let client: PgClient | undefined;
    try {
      client = await connectPg(options);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, ts timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
      return;
    } catch (error) {
      if (Date.now() > deadlineMs) {
        throw new Error(
          `could not create the writer table ${table} within ${timeoutMs} ms: ${errorMessage(error)}`,
        );
      }
      await sleep(100);
    } finally {
      if (client) closeQuietly(client);
    }
  }
}
