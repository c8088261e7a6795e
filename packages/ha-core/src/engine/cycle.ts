import { getMember, isUnlocked, leaderName } from '../model/cluster-queries.js';
import type { DesiredSlot } from '../ports/postgres.js';
import { bootstrap, FatalCycleError, postBootstrap } from './bootstrap.js';
import { type Ctx, hasLock, isLeader, isPaused, log, makeContext, reloadCluster } from './context.js';
import { absorbFinishedAction, loadSnapshot, trackPostgresState } from './cycle-start.js';
import { handleDcsError } from './dcs-error.js';
import { EffectFailure, perform, type Step } from './effects.js';
import { EMPTY_CLUSTER } from './empty-cluster.js';
import { follow } from './follow.js';
import { InvariantError } from './invariant.js';
import { memberData } from './member-data.js';
import { isValidSysid } from './pg-view.js';
import { processLeaderWithLock, releaseLeader } from './primary.js';
import { processUnhealthyCluster } from './race.js';
import { handleStartingInstance, longActionInProgress, postRecover, recover } from './recover.js';
import { triggerDivergenceCheck } from './rewind.js';
import { scheduledRestart } from './scheduled-restart.js';
import { startSlotCopy, syncSlots } from './slot-sync.js';
import type { CycleInput, CycleOutcome } from './types.js';

/**
 * One HA cycle (ha-loop.md §3) as a generator: it yields effects in Patroni's order, receives their results,
 * and returns the new state and the summary line. Pure: everything comes from `input` and effect results.
 */
export function* runCycle(input: CycleInput): Step<CycleOutcome> {
  const ctx = makeContext(input, input.state.cluster ?? EMPTY_CLUSTER);
  absorbFinishedAction(ctx);
  trackPostgresState(ctx);
  let summary: string;
  let fatal: string | null = null;
  try {
    summary = yield* cycleBody(ctx);
  } catch (error) {
    if (error instanceof FatalCycleError) {
      summary = error.message;
      fatal = error.message;
    } else {
      summary = yield* handleCycleError(ctx, error);
    }
  }
  if (!ctx.dcsFailed && fatal === null) yield* finishCycle(ctx);
  ctx.state.cluster = ctx.dcsFailed ? null : ctx.cluster;
  if (!ctx.dcsFailed) ctx.state.lastKnownFailsafe = ctx.cluster.failsafe;
  ctx.state.wasPaused = isPaused(ctx);
  return {
    state: { ...ctx.state },
    summary: isPaused(ctx) ? `PAUSE: ${summary}` : summary,
    config: ctx.config,
    dcsFailed: ctx.dcsFailed,
    fatal,
  };
}

function* handleCycleError(ctx: Ctx, error: unknown): Step<string> {
  if (error instanceof InvariantError) throw error;
  if (error instanceof EffectFailure && error.source === 'dcs-unavailable') {
    yield* log('error', `Error communicating with DCS: ${error.message}`);
    try {
      return yield* handleDcsError(ctx);
    } catch (nested) {
      if (nested instanceof InvariantError) throw nested;
      ctx.dcsFailed = true;
      return 'DCS is not accessible';
    }
  }
  if (error instanceof EffectFailure && error.source === 'postgres') {
    yield* log('error', `Error communicating with PostgreSQL: ${error.message}`);
    return 'Error communicating with PostgreSQL. Will try again later';
  }
  yield* log('error', `Unexpected exception: ${error instanceof Error ? error.message : String(error)}`);
  return 'Unexpected exception raised, please report it as a BUG';
}

/** "Finally" of ha-loop.md §3: unless the DCS failed, reset failsafe while leader and touch the member key. */
function* finishCycle(ctx: Ctx): Step<void> {
  if (isLeader(ctx)) ctx.state.failsafeActiveSinceMs = 0;
  try {
    yield* perform({ kind: 'dcs.touch-member', data: memberData(ctx) });
  } catch (error) {
    if (!(error instanceof EffectFailure)) throw error;
    yield* log('error', `Failed to update my member key: ${error.message}`);
  }
}

function* cycleBody(ctx: Ctx): Step<string> {
  yield* loadSnapshot(ctx);
  yield* pauseBookkeeping(ctx);
  if (!getMember(ctx.cluster, ctx.me)) yield* perform({ kind: 'dcs.touch-member', data: memberData(ctx) });
  yield* leaderFixups(ctx);
  if (ctx.input.action) return yield* longActionInProgress(ctx, ctx.input.action);
  const starting = yield* handleStartingInstance(ctx);
  if (starting) return starting;
  if (ctx.state.bootstrapping) {
    const summary = yield* postBootstrap(ctx);
    // Replicas woken by the new leader key clone at once: their slots must exist when they first stream, or
    // the walreceiver waits out wal_retrieve_retry_interval (Patroni creates them a loop_wait later).
    if (!ctx.state.bootstrapping && hasLock(ctx)) yield* slotsAndCallbacks(ctx);
    return summary;
  }
  if (ctx.state.recovering) {
    ctx.state.recovering = false;
    if (ctx.state.rewind !== 'need') {
      const failed = yield* postRecover(ctx);
      if (failed) return failed;
    }
  }
  const dataDirectory = yield* checkDataDirectory(ctx);
  if (dataDirectory) return dataDirectory;
  if (!ctx.pg.running) {
    const notRunning = yield* postgresNotRunning(ctx);
    if (notRunning) return notRunning;
    return yield* recover(ctx);
  }
  let summary = isUnlocked(ctx.cluster)
    ? yield* processUnhealthyCluster(ctx)
    : yield* processHealthyCluster(ctx);
  const restart = yield* scheduledRestart(ctx);
  if (restart) summary = restart;
  return (yield* slotsAndCallbacks(ctx)) ?? summary;
}

function* pauseBookkeeping(ctx: Ctx): Step<void> {
  if (isPaused(ctx)) {
    if (ctx.state.watchdogActive) yield* perform({ kind: 'watchdog.disable' });
    ctx.state.watchdogActive = false;
  } else if (ctx.state.wasPaused) {
    // Resumed: re-verify divergence and the post-promote checkpoint.
    ctx.state.rewind = 'initial';
    ctx.state.rewindExecuted = false;
    if (ctx.pg.primary && hasLock(ctx)) ctx.state.checkpointAfterPromote = false;
  }
}

/** ha-loop.md §3 steps 4-5: the lock holder repairs `/initialize` and `/config`. */
function* leaderFixups(ctx: Ctx): Step<void> {
  if (!hasLock(ctx)) return;
  const initialize = ctx.cluster.initialize;
  if (!isValidSysid(initialize) && isValidSysid(ctx.pg.sysid)) {
    yield* perform({ kind: 'dcs.initialize', createNew: initialize === null, sysid: ctx.pg.sysid });
  }
  const config = ctx.cluster.config;
  if (!config || Object.keys(config.data).length === 0) {
    yield* perform({ kind: 'dcs.set-config', value: JSON.stringify(ctx.config.raw), version: null });
    yield* reloadCluster(ctx);
  }
}

/** ha-loop.md §3 step 10. */
function* checkDataDirectory(ctx: Ctx): Step<string | null> {
  const dataDirectory = ctx.pg.obs.dataDirectory;
  if (dataDirectory.kind === 'empty' || dataDirectory.kind === 'inaccessible') {
    ctx.state.role = 'uninitialized';
    if (ctx.pg.running) {
      const stop = { mode: 'immediate', checkpoint: false, timeoutMs: ctx.config.retryTimeoutMs } as const;
      yield* perform({ kind: 'pg.stop', stop });
    }
    yield* perform({ kind: 'watchdog.disable' });
    ctx.state.watchdogActive = false;
    const inaccessible = dataDirectory.kind === 'inaccessible';
    if (hasLock(ctx)) {
      yield* releaseLeader(ctx);
      return `released leader key voluntarily as data dir ${inaccessible ? 'not accessible' : 'empty'} and currently leader`;
    }
    if (dataDirectory.kind === 'inaccessible')
      return `data directory is not accessible: ${dataDirectory.error}`;
    if (isPaused(ctx)) return 'running with empty data directory';
    return yield* bootstrap(ctx);
  }
  if (dataDirectory.kind === 'invalid' || !isValidSysid(ctx.pg.sysid)) {
    return 'data dir for the cluster is not empty, but system ID is invalid; consider doing reinitialize';
  }
  const initialize = ctx.cluster.initialize;
  if (isValidSysid(initialize) && initialize !== ctx.pg.sysid) {
    if (!isPaused(ctx))
      throw new FatalCycleError(`system ID mismatch, node ${ctx.me} belongs to a different cluster`);
    yield* log(
      'warn',
      `system ID has changed while in paused mode. Patroni will exit when resuming unless system ID is reset: ${initialize} != ${ctx.pg.sysid}`,
    );
    if (hasLock(ctx)) {
      yield* releaseLeader(ctx);
      return 'released leader key voluntarily due to the system ID mismatch';
    }
  } else if (!initialize && isUnlocked(ctx.cluster) && !isPaused(ctx) && !ctx.state.startCallbackDone) {
    if (ctx.pg.running && !ctx.pg.primary) {
      throw new FatalCycleError(
        'No initialize key in DCS and PostgreSQL is running as replica, aborting start',
      );
    }
    yield* perform({ kind: 'dcs.initialize', createNew: initialize === null, sysid: ctx.pg.sysid ?? '' });
  }
  return null;
}

/** ha-loop.md §3 step 11 (paused part); null falls through to recover(). */
function* postgresNotRunning(ctx: Ctx): Step<string | null> {
  if (!isPaused(ctx)) return null;
  ctx.state.publishedPgState = 'stopped';
  if (hasLock(ctx)) {
    yield* releaseLeader(ctx);
    return 'removed leader lock because postgres is not running';
  }
  const rewindPendingAndAllowed = ctx.state.rewind === 'need' && ctx.input.rewindUsable;
  if (ctx.state.rewind === 'failed' || (!ctx.state.rewindExecuted && !rewindPendingAndAllowed)) {
    return 'postgres is not running';
  }
  return null;
}

/** ha-loop.md §6.1: a leader exists. */
function* processHealthyCluster(ctx: Ctx): Step<string> {
  if (hasLock(ctx)) return yield* processLeaderWithLock(ctx);
  const leader = leaderName(ctx.cluster);
  if (ctx.config.standbyCluster) {
    return yield* follow(
      ctx,
      'cannot be a real primary in a standby cluster',
      `no action. I am (${ctx.me}), a secondary, and following a standby leader (${leader})`,
      false,
    );
  }
  return yield* follow(
    ctx,
    'demoting self because I do not have the lock and I was a leader',
    `no action. I am (${ctx.me}), a secondary, and following a leader (${leader})`,
    false,
  );
}

/** ha-loop.md §3 step 13; returns the summary when a logical slot copy started. */
function* slotsAndCallbacks(ctx: Ctx): Step<string | null> {
  if ((ctx.startedAction && ctx.startedAction !== 'promote') || ctx.pg.starting || !ctx.pg.running)
    return null;
  const majorVersion = ctx.pg.obs.majorVersion;
  let copy: Readonly<Record<string, DesiredSlot>> = {};
  if (ctx.config.postgresql.useSlots && majorVersion !== null && majorVersion >= 90400) {
    copy = yield* syncSlots(ctx, majorVersion);
  }
  if (!ctx.state.startCallbackDone) {
    if (!ctx.pg.primary && ctx.startedAction !== 'promote') triggerDivergenceCheck(ctx);
    yield* perform({ kind: 'callback', action: 'on_start', role: ctx.state.role });
    ctx.state.startCallbackDone = true;
  }
  return yield* startSlotCopy(ctx, copy);
}
