import type { Clock } from '../dcs/clock.js';
import type { Dcs, Logger } from '../dcs/dcs.js';
import type { ActionWork } from '../engine/actions.js';
import type { ActionStartResult } from '../engine/effects.js';
import type { ActionResult, FinishedAction, RunningAction } from '../engine/types.js';
import type { OperationResult, PostgresPort } from '../ports/postgres.js';
import { earlyLeaderRelease, type ReleasePorts, releaseAfterStop } from './stop-release.js';

interface Running extends RunningAction {
  readonly controller: AbortController;
  done: Promise<ActionResult>;
  /** Past this point (promote: `pg_ctl promote` issued) cancelling no longer undoes the action. */
  committed: boolean;
}

function failed(error: unknown): ActionResult {
  return { ok: false, error: error instanceof Error ? error.message : String(error) };
}

function fromOperation(result: OperationResult): ActionResult {
  if (result.ok) return { ok: true };
  return result.sourceUnavailable
    ? { ok: false, error: result.error, sourceUnavailable: true }
    : { ok: false, error: result.error };
}

/**
 * Runs at most one long action in the background (ha-loop.md §2) with an AbortSignal, while the loop keeps
 * cycling. Its end is reported once to the next cycle and wakes the loop.
 */
export class ActionRunner {
  private running: Running | null = null;
  private finished: FinishedAction | null = null;
  /** The last action that ended (kept for callers that wait on it; `finished` is the cycle's one-time copy). */
  private lastDone: FinishedAction | null = null;

  constructor(
    private readonly ports: {
      readonly postgres: PostgresPort;
      readonly dcs: Dcs;
      readonly clock: Clock;
      readonly logger: Logger;
      /** Start timeout for actions whose work does not carry one (bootstrap). */
      readonly startTimeoutMs: () => number;
      /** For the early leader release at the shutdown checkpoint of a graceful demotion. */
      readonly release?: ReleasePorts;
      /** Before a replica restart: the `nosync` release in synchronous mode (ha-loop.md §12.3). */
      readonly beforeReplicaRestart?: () => Promise<void>;
    },
  ) {}

  current(): RunningAction | null {
    if (!this.running) return null;
    const { name, work, startedAtMs } = this.running;
    return { name, work, startedAtMs };
  }

  /** The action that ended since the last call, once. */
  takeFinished(): FinishedAction | null {
    const finished = this.finished;
    this.finished = null;
    return finished;
  }

  start(name: string, work: ActionWork): ActionStartResult {
    if (this.running) return { started: false, running: this.running.name };
    const controller = new AbortController();
    const entry: Running = {
      name,
      work,
      startedAtMs: this.ports.clock.now(),
      controller,
      committed: false,
      done: Promise.resolve({ ok: true }),
    };
    const done = this.execute(entry).catch(failed);
    entry.done = done;
    this.running = entry;
    void done.then((result) => {
      if (this.running === entry) this.running = null;
      this.finished = { name, work, result };
      this.lastDone = this.finished;
      this.ports.logger.info(`${name}: ${result.ok ? 'done' : `failed: ${result.error}`}`);
      this.ports.dcs.wake();
    });
    return { started: true };
  }

  /** Aborts the running action and waits for it; true when it was stopped before its point of no return. */
  async cancel(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    running.controller.abort();
    const committed = running.committed;
    await running.done;
    return !committed;
  }

  /** Waits for the running action to end: its result, else that of the last one that ended (null: none). */
  async settle(): Promise<ActionResult | null> {
    if (this.running) return this.running.done;
    return this.lastDone?.result ?? null;
  }

  private async execute(entry: Running): Promise<ActionResult> {
    const { postgres, dcs } = this.ports;
    const signal = entry.controller.signal;
    const work = entry.work;
    switch (work.kind) {
      case 'bootstrap': {
        const source = work.standbyLeaderSource;
        const made = source ? await postgres.createReplica(source, signal) : await postgres.bootstrap(signal);
        if (!made.ok) return fromOperation(made);
        const role = source ? 'standby_leader' : 'primary';
        return fromOperation(
          await postgres.start({ role, upstream: source, timeoutMs: this.ports.startTimeoutMs() }, signal),
        );
      }
      case 'clone': {
        const made = await postgres.createReplica(work.source, signal);
        if (!made.ok) {
          await postgres.removeDataDirectory('failed to bootstrap (clone)');
          return fromOperation(made);
        }
        return fromOperation(await postgres.start(work.start, signal));
      }
      case 'post-bootstrap':
        return fromOperation(await postgres.postBootstrap(signal));
      case 'start':
        return fromOperation(await postgres.start(work.start, signal));
      case 'restart':
        if (work.start.role === 'replica') await this.ports.beforeReplicaRestart?.();
        return fromOperation(await postgres.restart(work.start, signal));
      case 'promote': {
        if (!(await postgres.runPrePromote()))
          return { ok: false, error: 'pre_promote script failed', vetoed: true };
        if (signal.aborted) return { ok: false, error: 'cancelled', cancelled: true };
        entry.committed = true;
        const promoted = await postgres.promote(work.waitMs, signal);
        if (promoted.ok) postgres.runCallback('on_role_change', 'primary');
        return fromOperation(promoted);
      }
      case 'demote': {
        const early =
          work.release === 'early' && this.ports.release ? earlyLeaderRelease(this.ports.release) : null;
        const stopped = await postgres.stop({
          ...work.stop,
          ...(early ? { onShutdownCheckpoint: early.onShutdownCheckpoint } : {}),
        });
        if (!stopped.ok) {
          early?.stopEnded();
          return { ok: false, error: stopped.error ?? 'stop failed' };
        }
        if (work.release !== 'none') {
          const lastLsn = work.releaseWithLastLsn ? (stopped.checkpointLsn ?? undefined) : undefined;
          await releaseAfterStop({ dcs, logger: this.ports.logger }, early, lastLsn);
        }
        return work.start ? fromOperation(await postgres.start(work.start, signal)) : { ok: true };
      }
      case 'crash-recovery':
        return fromOperation(await postgres.crashRecovery(signal));
      case 'rewind': {
        const rewound = await postgres.rewind(work.leader, signal);
        if (rewound.ok) return { ok: true };
        // postgres.md §7.4.8: a rewind cut short (source gone, action cancelled) is not a failed one.
        if (signal.aborted) return { ok: false, error: rewound.error, cancelled: true };
        if (!rewound.sourceUnavailable && work.removeDataOnFailure)
          await postgres.removeDataDirectory('pg_rewind failed');
        return fromOperation(rewound);
      }
      case 'copy-logical-slots':
        return fromOperation(await postgres.copyLogicalSlots(work.leader, work.slots, work.start, signal));
      case 'reinitialize': {
        await postgres.stop({ mode: 'immediate', checkpoint: false, timeoutMs: null });
        const removed = await postgres.removeDataDirectory('reinitialize');
        if (!removed.ok) return fromOperation(removed);
        const made = await postgres.createReplica(work.source, signal);
        if (!made.ok) return fromOperation(made);
        return fromOperation(await postgres.start(work.start, signal));
      }
    }
  }
}
