import { isDcsUnavailable } from '@patroni/ha-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planAttempts, withRetries } from './request-plan.js';

describe('planAttempts (dcs.md §7.1 per-request timeouts)', () => {
  it('splits retry_timeout like Patroni', () => {
    expect(planAttempts(1, 10_000)).toMatchObject({ nodes: 1, attemptsPerNode: 3 });
    expect(planAttempts(2, 10_000)).toEqual({ nodes: 2, attemptTimeoutMs: 2_500, attemptsPerNode: 2 });
    expect(planAttempts(3, 9_000)).toEqual({ nodes: 3, attemptTimeoutMs: 3_000, attemptsPerNode: 1 });
    expect(planAttempts(5, 3_000)).toEqual({ nodes: 3, attemptTimeoutMs: 1_000, attemptsPerNode: 1 });
    expect(planAttempts(1, 1_500)).toEqual({ nodes: 1, attemptTimeoutMs: 1_500, attemptsPerNode: 1 });
  });

  it('never plans more time than the budget, nor attempts under 1 s when the budget allows one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1_000, max: 120_000 }),
        (nodes, budgetMs) => {
          const plan = planAttempts(nodes, budgetMs);
          expect(plan.nodes * plan.attemptsPerNode * plan.attemptTimeoutMs).toBeLessThanOrEqual(
            budgetMs + 1e-6,
          );
          expect(plan.attemptTimeoutMs).toBeGreaterThanOrEqual(1_000);
          expect(plan.nodes).toBeLessThanOrEqual(nodes);
        },
      ),
    );
  });
});

describe('withRetries', () => {
  const transient = (e: unknown) => e instanceof Error && e.message === 'transient';

  it('retries transient errors and returns the first success', async () => {
    let calls = 0;
    const result = await withRetries(
      { what: 'op', budgetMs: 2_000, nodeCount: 1, isRetriable: transient },
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
    );
    expect([result, calls]).toEqual(['ok', 3]);
  });

  it('gives up with DcsUnavailableError once the budget is spent', async () => {
    const t0 = Date.now();
    const error = await withRetries(
      { what: 'op', budgetMs: 600, nodeCount: 1, isRetriable: transient },
      async () => {
        throw new Error('transient');
      },
    ).catch((e: unknown) => e);
    expect(isDcsUnavailable(error)).toBe(true);
    expect(String(error)).toMatch(/op failed within 600 ms: transient/);
    expect(Date.now() - t0).toBeLessThan(1_200);
  });

  it('rethrows other errors at once', async () => {
    let calls = 0;
    const error = await withRetries(
      { what: 'op', budgetMs: 2_000, nodeCount: 1, isRetriable: transient },
      async () => {
        calls += 1;
        throw new Error('fatal');
      },
    ).catch((e: unknown) => e);
    expect([String(error), calls]).toEqual(['Error: fatal', 1]);
  });
});
