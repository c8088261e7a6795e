import type { Etcd3, IWatchResponse } from 'etcd3';

/**
 * Ends a stream we are done with. Half-closing first matters: the etcd3 client treats the CANCELLED error
 * a cancel raises on a still-writable stream as a failed host and closes every channel to it, so each
 * cancelled keep-alive or watch would cost a new TCP connection and gRPC channels.
 */
export function closeStream(stream: { end(): unknown; cancel(): void }): void {
  stream.end();
  stream.cancel();
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
      closeStream(stream);
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
