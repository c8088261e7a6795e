import { DcsUnavailableError } from '@patroni/ha-core';

/** How one operation's retry_timeout budget is split across etcd nodes (dcs.md §7.1). */
export interface AttemptPlan {
  /** Nodes worth trying within the budget (never less than 1 s per attempt). */
  readonly nodes: number;
  readonly attemptTimeoutMs: number;
  readonly attemptsPerNode: number;
}

const MIN_ATTEMPT_MS = 1_000;

/**
 * Patroni's split: 1 node → up to 3 attempts, 2 nodes → 2 each, ≥3 nodes → 1 each; an attempt never
 * gets less than 1 s, dropping nodes (down to one attempt on one node) when the budget is too small.
 */
export function planAttempts(nodeCount: number, budgetMs: number): AttemptPlan {
  let nodes = Math.max(1, nodeCount);
  let maxAttempts = 4 - Math.min(nodes, 3);
  while (nodes > 0) {
    const perNodeMs = budgetMs / nodes;
    if (perNodeMs >= MIN_ATTEMPT_MS) {
      let attempts = 1;
      while (attempts < maxAttempts && perNodeMs / (attempts + 1) >= MIN_ATTEMPT_MS) attempts += 1;
      return { nodes, attemptTimeoutMs: perNodeMs / attempts, attemptsPerNode: attempts };
    }
    nodes -= 1;
    maxAttempts = 1;
  }
  return { nodes: 1, attemptTimeoutMs: Math.max(budgetMs, 1), attemptsPerNode: 1 };
}

export interface RetryOptions {
  /** What is being done, for the error message ("etcd3 range /service/batman/"). */
  readonly what: string;
  readonly budgetMs: number;
  readonly nodeCount: number;
  /** Transient errors worth another attempt; anything else is rethrown as is. */
  readonly isRetriable: (error: unknown) => boolean;
  readonly signal?: AbortSignal;
}

const MAX_DELAY_MS = 1_000;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, a non-retriable error occurs, or the budget is spent; then throws
 * `DcsUnavailableError`. Each attempt gets its own timeout (never beyond the overall deadline), so the
 * whole operation ends within budgetMs plus the time to notice the last attempt's deadline.
 */
export async function withRetries<T>(
  options: RetryOptions,
  attempt: (attemptTimeoutMs: number) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  const plan = planAttempts(options.nodeCount, options.budgetMs);
  let delayMs = 50;
  let lastError: unknown;
  for (;;) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0 || options.signal?.aborted) break;
    try {
      return await attempt(Math.max(1, Math.min(plan.attemptTimeoutMs, remainingMs)));
    } catch (error) {
      if (!options.isRetriable(error)) throw error;
      lastError = error;
    }
    await sleep(Math.min(delayMs, deadline - Date.now()), options.signal);
    delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new DcsUnavailableError(`${options.what} failed within ${options.budgetMs} ms${reason}`, {
    cause: lastError,
  });
}
