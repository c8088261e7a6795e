import type { KvTiming, Logger } from '@patroni/ha-core';

/** A logger that keeps lines for assertions instead of printing them. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const push =
    (level: string) =>
    (message: string, ...args: unknown[]) =>
      lines.push(`${level}: ${[message, ...args.map(String)].join(' ')}`);
  return { lines, debug: push('DEBUG'), info: push('INFO'), warn: push('WARNING'), error: push('ERROR') };
}

/** Short timings so fault tests finish quickly (still Patroni's rule loop_wait + 2*retry_timeout <= ttl). */
export const fastTiming: KvTiming = Object.freeze({
  ttlMs: 10_000,
  loopWaitMs: 2_000,
  retryTimeoutMs: 3_000,
});

/** The factory context for one agent of scope `scope`. */
export function contextFor(scope: string, name: string, timing: KvTiming = fastTiming) {
  return { scope: { namespace: 'service', scope, name }, timing, logger: memoryLogger() };
}

/** Member data shaped like what an agent publishes. */
export function memberData(name: string, port: number, role: string) {
  return {
    conn_url: `postgres://127.0.0.1:${port}/postgres`,
    api_url: `http://127.0.0.1:${port + 1000}/patroni`,
    state: 'running',
    role,
    version: '4.1.4',
    xlog_location: 67282344,
    timeline: 2,
    name,
  };
}

/** Milliseconds `promise` took to settle, and how. */
export async function timed<T>(promise: Promise<T>): Promise<{ ms: number; result?: T; error?: unknown }> {
  const t0 = Date.now();
  try {
    const result = await promise;
    return { ms: Date.now() - t0, result };
  } catch (error) {
    return { ms: Date.now() - t0, error };
  }
}

/** One call to etcd's v3 JSON gateway (a test's own side channel, independent of the code under test). */
export async function gatewayPost(
  endpoint: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${endpoint}/v3${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    ...(token !== undefined ? { headers: { authorization: token } } : {}),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Revokes a lease behind an agent's back, as its expiry would. */
export async function revokeLease(endpoint: string, leaseId: string): Promise<void> {
  await gatewayPost(endpoint, '/lease/revoke', { ID: leaseId });
}
