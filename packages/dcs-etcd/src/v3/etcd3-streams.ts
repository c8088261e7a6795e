import { base64 } from './etcd3-codec.js';
import type { Etcd3Rpc } from './etcd3-rpc.js';
import type { StreamHandle } from './gateway-http.js';

/** What ended a watch: a change (or compaction: we cannot tell, so "changed"), the timeout, or an error. */
export type WatchOutcome = 'changed' | 'timeout' | 'error';

/**
 * Watches one key from `startRevision` (null: from now) until an event arrives, `timeoutMs` passes or
 * `signal` aborts. Opens its own stream (and socket) and always closes it.
 */
export function watchKeyOnce(
  rpc: Etcd3Rpc,
  key: Buffer,
  startRevision: string | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve) => {
    let done = false;
    let stream: StreamHandle | null = null;
    const finish = (outcome: WatchOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stream?.close();
      resolve(outcome);
    };
    const onAbort = () => finish('timeout');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return finish('timeout');
    const createRequest = {
      key: base64(key),
      ...(startRevision !== null ? { start_revision: startRevision } : {}),
    };
    rpc
      .openWatch(createRequest, {
        onMessage(result) {
          const compacted = typeof result.compact_revision === 'string' && result.compact_revision !== '0';
          const events = Array.isArray(result.events) ? result.events.length : 0;
          if (compacted || result.canceled === true || events > 0) finish('changed');
        },
        onEnd: () => finish('error'),
      })
      .then(
        (opened) => {
          stream = opened;
          if (done) opened.close();
        },
        () => finish('error'),
      );
  });
}
