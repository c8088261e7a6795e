/**
 * The shape of every ZooKeeper wait: resolves true when one of the `sources` reports a change (each gets
 * `changed` and returns its unsubscribe), false after `timeoutMs` or when `signal` aborts. Settles once and
 * removes every listener and the timer then. Never rejects.
 */
export function waitForChange(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  sources: readonly ((changed: () => void) => (() => void) | undefined)[],
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const cleanups: (() => void)[] = [];
    let settled = false;
    const finish = (changed: boolean) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      resolve(changed);
    };
    const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
    cleanups.push(() => clearTimeout(timer));
    if (signal !== undefined) {
      if (signal.aborted) return finish(false);
      const onAbort = () => finish(false);
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    for (const source of sources) {
      const cleanup = source(() => finish(true));
      if (cleanup) cleanups.push(cleanup);
      if (settled) return;
    }
  });
}
