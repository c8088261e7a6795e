import { setTimeout as sleep } from 'node:timers/promises';
import { closeQuietly, connectPg, errorMessage, type PgClient } from './pg-client.js';

export type WritableResult =
  | { readonly writable: true; readonly elapsedMs: number }
  | { readonly writable: false; readonly elapsedMs: number; readonly lastError: string };

/**
 * Polls until a write transaction commits through `connectionString`, or until `deadlineMs` (epoch ms).
 * The probe is `SELECT txid_current()`: it fails on a standby, and its commit record waits for a synchronous
 * standby like any write, so "writable" means what an application would see.
 */
export async function timeUntilWritable(
  connectionString: string,
  deadlineMs: number,
  options: {
    pollMs?: number;
    connectTimeoutMs?: number;
    statementTimeoutMs?: number;
    /** Stops polling (the result then says not writable). */
    signal?: AbortSignal;
  } = {},
): Promise<WritableResult> {
  const startedMs = Date.now();
  let lastError = 'no attempt made before the deadline';
  while (Date.now() <= deadlineMs && !options.signal?.aborted) {
    const remainingMs = Math.max(100, deadlineMs - Date.now());
    let client: PgClient | undefined;
    try {
      client = await connectPg({
        connectionString,
        connectTimeoutMs: Math.min(options.connectTimeoutMs ?? 1_000, remainingMs),
        statementTimeoutMs: Math.min(options.statementTimeoutMs ?? 2_000, remainingMs),
        applicationName: 'patroni-writer',
      });
      await client.query('SELECT txid_current()');
      return { writable: true, elapsedMs: Date.now() - startedMs };
    } catch (error) {
      lastError = errorMessage(error);
    } finally {
      if (client) closeQuietly(client);
    }
    await sleep(options.pollMs ?? 20);
  }
  return { writable: false, elapsedMs: Date.now() - startedMs, lastError };
}
