import {
  type Ctx,
  isLeader,
  isPaused,
  isQuorumMode,
  isStandbyCluster,
  isSyncModeEnabled,
  setLeader,
} from './context.js';
import { demote } from './demote.js';
import { perform, type Step } from './effects.js';
import { follow } from './follow.js';
import { updateHistory } from './history.js';
import { invariant } from './invariant.js';
import { failsafeMap, leaderStatus } from './leader-status.js';
import { manualFailoverFromLeader } from './manual-failover.js';
import { parseQuorumGuc } from './quorum-commit.js';
import { startAction } from './run-action.js';
import { applyStandbyNames, processSyncReplication, quorumPrePromoteValue } from './sync-replication.js';

/**
 * Renews `/leader` (with `/status` and `/failsafe`); true keeps the local leadership flag for another ttl. An
 * active watchdog is kept alive by the renewal itself, right after the lease (ha-loop.md §14.3).
 */
export function* renewLeader(ctx: Ctx): Step<boolean> {
  yield* armWatchdogBeforeRenewal(ctx);
  const renewed = yield* perform({
    kind: 'dcs.renew-leader',
    status: leaderStatus(ctx),
    failsafe: failsafeMap(ctx),
    ...(ctx.state.watchdogActive ? { keepalive: true } : {}),
  });
  setLeader(ctx, renewed);
  return renewed;
}

/**
 * A running primary whose watchdog is off (first cycle after a pause, a new agent over a running primary) arms
 * it before the renewal, not after it as §6.4 does: an agent hanging between the two would keep accepting
 * writes past the lease with nothing to reset the machine (sim seed 923). One attempt per cycle.
 */
function* armWatchdogBeforeRenewal(ctx: Ctx): Step<void> {
  if (ctx.state.watchdogActive || ctx.watchdogTried || ctx.input.local.watchdogMode === 'off') return;
  if (!ctx.pg.primary || isPaused(ctx)) return;
  ctx.watchdogTried = true;
  ctx.state.watchdogActive = yield* perform({ kind: 'watchdog.activate' });
}

/** Releases `/leader` we hold (it is only deleted if still ours). */
export function* releaseLeader(ctx: Ctx): Step<void> {
  yield* perform({ kind: 'dcs.release-leader', lastLsn: null });
  setLeader(ctx, false);
}

function* postPromoteCheckpoint(ctx: Ctx): Step<void> {
  if (ctx.state.checkpointAfterPromote !== false || !ctx.pg.primary) return;
  const result = yield* perform({ kind: 'pg.checkpoint' });
  if (result.ok) ctx.state.checkpointAfterPromote = true;
}

function* refuseWithoutWatchdog(ctx: Ctx): Step<string | null> {
  if (ctx.state.watchdogActive || ctx.input.local.watchdogMode === 'off') return null;
  const activated = ctx.watchdogTried ? false : yield* perform({ kind: 'watchdog.activate' });
  ctx.state.watchdogActive = activated;
  if (activated || ctx.input.local.watchdogMode !== 'required') return null;
  if (ctx.pg.primary) {
    yield* demote(ctx, 'immediate');
    return 'Demoting self because watchdog could not be activated';
  }
  yield* releaseLeader(ctx);
  return 'Not promoting self because watchdog could not be activated';
}

function* promote(ctx: Ctx, promoteMessage: string): Step<string> {
  // The key is ours when the last acquire/renew of this cycle returned true (a reload may lag behind it).
  invariant(isLeader(ctx), 'promoting without holding the leader key');
  if (isQuorumMode(ctx)) {
    // `/sync` keeps the previous voters; the state machine fixes it once I am primary.
    const value = quorumPrePromoteValue(ctx);
    yield* applyStandbyNames(ctx, parseQuorumGuc(value ?? '').names ?? ['*'], value);
  } else if (isSyncModeEnabled(ctx)) {
    const written = yield* perform({
      kind: 'dcs.write-sync',
      leader: ctx.me,
      standbys: [],
      quorum: 0,
      version: ctx.cluster.sync.version,
    });
    if (!written)
      return 'Postponing promotion because synchronous replication state was updated by somebody else';
    ctx.cluster = { ...ctx.cluster, sync: written };
    const strict = ctx.config.synchronousModeStrict;
    yield* applyStandbyNames(ctx, strict ? ['*'] : [], strict ? '*' : null);
  }
  ctx.state.failsafeActiveSinceMs = 0;
  ctx.state.rewind = 'initial';
  ctx.state.rewindExecuted = false;
  if (yield* startAction(ctx, 'promote', { kind: 'promote', waitMs: ctx.config.loopWaitMs })) {
    ctx.state.checkpointAfterPromote = false;
  }
  return promoteMessage;
}

/** ha-loop.md §6.4: I hold the lock; make (or keep) Postgres primary. */
export function* enforcePrimaryRole(ctx: Ctx, message: string, promoteMessage: string): Step<string> {
  if (!isPaused(ctx)) {
    const refused = yield* refuseWithoutWatchdog(ctx);
    if (refused) return refused;
    if (ctx.state.prePromoteFailed) {
      ctx.state.prePromoteFailed = false;
      ctx.state.releasedLeaderKeyAtMs = ctx.nowMs;
      yield* releaseLeader(ctx);
      return 'Promotion cancelled because the pre-promote script failed';
    }
  }
  if (ctx.pg.primary) {
    ctx.state.role = 'primary';
    yield* processSyncReplication(ctx);
    yield* updateHistory(ctx);
    yield* postPromoteCheckpoint(ctx);
    return message;
  }
  if (ctx.state.role === 'primary' || ctx.state.role === 'promoted') {
    return message;
  }
  return yield* promote(ctx, promoteMessage);
}

/** ha-loop.md §6.5 */
export function* enforceFollowRemoteMember(ctx: Ctx, message: string): Step<string> {
  return yield* follow(ctx, 'cannot be a real primary in standby cluster', message);
}

/** ha-loop.md §6.1 A: a leader exists and it is me. */
export function* processLeaderWithLock(ctx: Ctx): Step<string> {
  if (isPaused(ctx) && !ctx.pg.primary) {
    if (ctx.cluster.failover?.candidate === ctx.me) return 'waiting to become primary after promote...';
    if (!isStandbyCluster(ctx)) {
      yield* releaseLeader(ctx);
      return 'removed leader lock because postgres is not running as primary';
    }
  }
  if (!(yield* renewLeader(ctx))) {
    if (ctx.pg.primary && isPaused(ctx))
      return 'continue to run as primary after failing to update leader lock in DCS';
    if (ctx.pg.primary) {
      yield* demote(ctx, 'immediate-nolock');
      return 'demoted self because failed to update leader lock in DCS';
    }
    return 'not promoting because failed to update leader lock in DCS';
  }
  const manual = yield* manualFailoverFromLeader(ctx);
  if (manual) return manual;
  if (isStandbyCluster(ctx)) {
    return yield* enforceFollowRemoteMember(
      ctx,
      ctx.state.role === 'standby_leader'
        ? `no action. I am (${ctx.me}), the standby leader with the lock`
        : 'promoted self to a standby leader because i had the session lock',
    );
  }
  return yield* enforcePrimaryRole(
    ctx,
    `no action. I am (${ctx.me}), the leader with the lock`,
    'promoted self to leader because I had the session lock',
  );
}
