import type { Etcd3, IWatchResponse } from 'etcd3';
import type { AttemptOptions } from './etcd3-rpc.js';

/**
 * One keep-alive round trip on a short-lived LeaseKeepAlive stream. Resolves the TTL etcd reports in
 * seconds (0 = the lease is gone).
 */
export async function keepAliveOnce(
  client: Etcd3,
  leaseId: string,
  options: AttemptOptions,
): Promise<number> {
  const stream = await client.leaseClient.leaseKeepAlive({ deadline: options.deadline });
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    // Our own cancel raises a CANCELLED error on the stream: the error listener stays and ignores it.
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      stream.cancel();
      settle();
    };
    stream.on('data', (response) => finish(() => resolve(Number(response.TTL))));
    stream.on('error', (error) => finish(() => reject(error)));
    stream.on('end', () =>
      finish(() => reject(new Error('lease keep-alive stream ended without an answer'))),
    );
    stream.write({ ID: leaseId });
  });
}

/** What ended a watch: a change (or compaction: we cannot tell, so "changed"), the timeout, or an error. */
export type WatchOutcome = 'changed' | 'timeout' | 'error';

/**
 * Watches one key from `startRevision` (null: from now) until an event arrives, `timeoutMs` passes or
 * `signal` aborts. Opens its own stream and always cancels it.
 */
export async function watchKeyOnce(
  client: Etcd3,
  key: Buffer,
  startRevision: string | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WatchOutcome> {
  const stream = await client.watchClient.watch({ deadline: new Date(Date.now() + timeoutMs + 5_000) });
  return new Promise<WatchOutcome>((resolve) => {
    let done = false;
    const finish = (outcome: WatchOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stream.cancel();
      resolve(outcome);
    };
    const onAbort = () => finish('timeout');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return finish('timeout');
    stream.on('data', (response: IWatchResponse) => {
      const compacted = response.compact_revision !== undefined && response.compact_revision !== '0';
      if (compacted || response.canceled || (response.events?.length ?? 0) > 0) finish('changed');
    });
    stream.on('error', () => finish('error'));
    stream.on('end', () => finish('error'));
    stream.write({
      create_request: { key, ...(startRevision !== null ? { start_revision: startRevision } : {}) },
    });
  });
}
