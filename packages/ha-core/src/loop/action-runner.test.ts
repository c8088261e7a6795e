import { describe, expect, it } from 'vitest';
import type { Logger } from '../dcs/dcs.js';
import { KvDcs } from '../dcs/kv-dcs.js';
import type { ActionResult } from '../engine/types.js';
import type { OperationResult } from '../ports/postgres.js';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryKv } from '../testing/memory-kv.js';
import { MemoryKvStore } from '../testing/memory-kv-store.js';
import { ActionRunner } from './action-runner.js';
import { MemoryPostgres, PostgresWorld } from './test-support/memory-postgres.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** pg_rewind answering `result`, after `waitForAbort` when asked to (an action cancelled mid-run). */
class RewindingPostgres extends MemoryPostgres {
  removed = 0;
  constructor(
    private readonly result: OperationResult,
    private readonly waitForAbort = false,
  ) {
    super('pg2', new PostgresWorld());
    this.dataDir = 'initialized';
  }

  override async rewind(_leader?: unknown, signal?: AbortSignal): Promise<OperationResult> {
    if (this.waitForAbort && signal && !signal.aborted) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    }
    return this.result;
  }

  override async removeDataDirectory(): Promise<OperationResult> {
    this.removed++;
    return super.removeDataDirectory();
  }
}

function runnerFor(postgres: MemoryPostgres): ActionRunner {
  const clock = new ManualClock(1_700_000_000_000);
  const kv = new MemoryKv(new MemoryKvStore({ clock }), {
    timing: { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 },
    failFast: false,
  });
  const dcs = new KvDcs(
    kv,
    { namespace: '/service/', scope: 'batman', name: 'pg2' },
    { logger: quiet, clock },
  );
  return new ActionRunner({ postgres, dcs, clock, logger: quiet, startTimeoutMs: () => 30_000 });
}

const rewindWork = {
  kind: 'rewind',
  leader: { name: 'pg1', connUrl: 'postgres://pg1:5432/postgres' },
  removeDataOnFailure: true,
} as const;

async function rewindOutcome(postgres: RewindingPostgres, cancel = false): Promise<ActionResult | null> {
  const runner = runnerFor(postgres);
  expect(runner.start('running pg_rewind from pg1', rewindWork)).toEqual({ started: true });
  if (cancel) await runner.cancel();
  return runner.settle();
}

// postgres.md §7.4.8: only a pg_rewind that failed against a healthy primary counts (and may remove data).
describe('the rewind action', () => {
  it('a failure against a healthy primary removes the data directory when configured', async () => {
    const postgres = new RewindingPostgres({ ok: false, error: 'pg_rewind exited with code 1' });
    expect(await rewindOutcome(postgres)).toEqual({ ok: false, error: 'pg_rewind exited with code 1' });
    expect(postgres.removed).toBe(1);
  });

  it('a failure because the source went away is reported as such and removes nothing', async () => {
    const postgres = new RewindingPostgres({ ok: false, error: 'lost pg1', sourceUnavailable: true });
    expect(await rewindOutcome(postgres)).toEqual({ ok: false, error: 'lost pg1', sourceUnavailable: true });
    expect(postgres.removed).toBe(0);
  });

  it('a cancelled rewind is reported cancelled and removes nothing', async () => {
    const postgres = new RewindingPostgres({ ok: false, error: 'pg_rewind interrupted' }, true);
    expect(await rewindOutcome(postgres, true)).toEqual({
      ok: false,
      error: 'pg_rewind interrupted',
      cancelled: true,
    });
    expect(postgres.removed).toBe(0);
  });

  it('success is success', async () => {
    expect(await rewindOutcome(new RewindingPostgres({ ok: true }))).toEqual({ ok: true });
  });
});
