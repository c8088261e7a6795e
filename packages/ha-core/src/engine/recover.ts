import { isUnlocked } from '../model/cluster-queries.js';
import type { StartOptions, UpstreamMember } from '../ports/postgres.js';
import {
  type Ctx,
  hasLock,
  isPaused,
  isStandbyCluster,
  isSyncModeEnabled,
  log,
  reloadCluster,
  seconds,
} from './context.js';
import { demote } from './demote.js';
import { perform, type Step } from './effects.js';
import { isFailoverPossible } from './failover-eligibility.js';
import { manualFailoverFromLeader } from './manual-failover.js';
import { releaseLeader, renewLeader } from './primary.js';
import { handleRewindOrReinitialize, triggerDivergenceCheck } from './rewind.js';
import { startAction } from './run-action.js';
import type { RunningAction } from './types.js';
import { nodeToFollow, remoteMember } from './upstream.js';

const CRASHED_PRIMARY_STATES = ['in production', 'in crash recovery', 'shutting down', 'shut down'];
const NEEDS_CRASH_RECOVERY = ['in production', 'shutting down', 'in crash recovery'];

function primaryStartTimeoutMs(ctx: Ctx): number {
  return ctx.state.startTimeoutMs ?? ctx.config.primaryStartTimeoutMs;
}

/** ha-loop.md §3.1: a long action runs; keep the key, or stop a primary that lost it. */
export function* longActionInProgress(ctx: Ctx, action: RunningAction): Step<string> {
  if (hasLock(ctx) && (yield* renewLeader(ctx))) {
    const started = ctx.state.crashRecoveryStartedMs;
    if (
      action.work.kind === 'crash-recovery' &&
      started > 0 &&
      primaryStartTimeoutMs(ctx) - (ctx.nowMs - started) <= 0 &&
      (yield* isFailoverPossible(ctx))
    ) {
      yield* demote(ctx, 'immediate');
      return 'terminated crash recovery because of startup timeout';
    }
    return `updated leader lock during ${action.name}`;
  }
  if (!ctx.state.bootstrapping && !isPaused(ctx)) {
    if (action.work.kind === 'promote' && (yield* perform({ kind: 'action.cancel' }))) {
      return 'lost leader before promote';
    }
    if (ctx.state.role === 'primary' || ctx.pg.primary) {
      yield* log('info', `Demoting primary during ${action.name}`);
      yield* demote(ctx, 'immediate-nolock');
      return `lost leader lock during ${action.name}`;
    }
  }
  if (isUnlocked(ctx.cluster)) yield* log('info', 'not healthy enough for leader race');
  return `${action.name} in progress`;
}

/** ha-loop.md §3.2: Postgres is still starting. Null lets the cycle continue. */
export function* handleStartingInstance(ctx: Ctx): Step<string | null> {
  if (!ctx.pg.starting) {
    ctx.state.startTimeoutMs = null;
    return null;
  }
  if (isPaused(ctx) || !hasLock(ctx)) return null;
  if (!(yield* renewLeader(ctx))) {
    yield* demote(ctx, 'immediate-nolock');
    return 'stopped PostgreSQL while starting up because leader key was lost';
  }
  const inStateMs = ctx.nowMs - (ctx.state.startingSinceMs ?? ctx.nowMs);
  const leftMs = primaryStartTimeoutMs(ctx) - inStateMs;
  if (leftMs <= 0) {
    if (yield* isFailoverPossible(ctx)) {
      yield* demote(ctx, 'immediate');
      return 'stopped PostgreSQL because of startup timeout';
    }
    return 'primary start has timed out, but continuing to wait because failover is not possible';
  }
  const manual = yield* manualFailoverFromLeader(ctx);
  if (manual) return manual;
  return `PostgreSQL is still starting up, ${seconds(leftMs)} seconds until timeout`;
}

/** ha-loop.md §3 step 9: a background start just finished. */
export function* postRecover(ctx: Ctx): Step<string | null> {
  if (!ctx.pg.running) {
    yield* perform({ kind: 'watchdog.disable' });
    ctx.state.watchdogActive = false;
    if (hasLock(ctx)) {
      if (ctx.state.role === 'primary' || ctx.state.role === 'standby_leader') {
        ctx.state.role = 'demoted';
        yield* perform({ kind: 'callback', action: 'on_role_change', role: 'demoted' });
      }
      yield* releaseLeader(ctx);
      return 'removed leader key after trying and failing to start postgres';
    }
    return 'failed to start postgres';
  }
  ctx.state.crashRecoveryStartedMs = 0;
  if (ctx.state.rewind === 'success') ctx.state.rewind = 'initial';
  return null;
}

function* startAfterFailure(ctx: Ctx, message: string, start: StartOptions, name: string): Step<string> {
  if (isSyncModeEnabled(ctx) && start.role !== 'primary') {
    yield* perform({ kind: 'pg.set-synchronous-standby-names', value: null });
  }
  if (yield* startAction(ctx, name, { kind: 'start', start })) {
    ctx.state.recovering = true;
    ctx.state.role = start.role === 'primary' ? 'primary' : start.role;
  }
  return message;
}

/** ha-loop.md §5: Postgres is not running. */
export function* recover(ctx: Ctx): Step<string> {
  let timeoutMs: number | null = null;
  if (hasLock(ctx) && (yield* renewLeader(ctx))) {
    timeoutMs = primaryStartTimeoutMs(ctx);
    if (timeoutMs === 0 && (yield* isFailoverPossible(ctx))) {
      yield* demote(ctx, 'immediate');
      return 'stopped PostgreSQL to fail over after a crash';
    }
  }
  const clusterState = ctx.pg.obs.controlData['Database cluster state'] ?? '';
  if (
    timeoutMs !== null &&
    timeoutMs > 0 &&
    CRASHED_PRIMARY_STATES.includes(clusterState) &&
    ctx.state.crashed &&
    ctx.state.role === 'primary' &&
    !ctx.pg.obs.hasRecoveryConfig
  ) {
    const message = 'starting primary after failure';
    ctx.state.startTimeoutMs = timeoutMs;
    return yield* startAfterFailure(ctx, message, { role: 'primary', upstream: null, timeoutMs }, message);
  }
  yield* perform({ kind: 'watchdog.disable' });
  ctx.state.watchdogActive = false;
  if (
    NEEDS_CRASH_RECOVERY.includes(clusterState) &&
    ctx.state.crashRecoveryStartedMs === 0 &&
    (isUnlocked(ctx.cluster) || ctx.input.rewindUsable)
  ) {
    const message = 'doing crash recovery in a single user mode';
    ctx.state.crashRecoveryStartedMs = ctx.nowMs;
    yield* startAction(ctx, message, { kind: 'crash-recovery' });
    return message;
  }
  yield* reloadCluster(ctx);
  const startTimeoutMs = timeoutMs ?? ctx.config.primaryStartTimeoutMs;
  // After a planned (graceful) demotion this start is no recovery from a failure: name it as Patroni's async
  // demotion does, so operators are not told about a failure that never happened.
  const name = ctx.state.role === 'demoted' ? 'starting after demotion' : 'restarting after failure';
  if (hasLock(ctx) && !isStandbyCluster(ctx)) {
    ctx.state.rewind = 'initial';
    const start: StartOptions = { role: 'replica', upstream: null, timeoutMs: startTimeoutMs };
    return yield* startAfterFailure(ctx, 'starting as readonly because i had the session lock', start, name);
  }
  if (!ctx.state.rewindExecuted) triggerDivergenceCheck(ctx);
  const rewindMessage = yield* handleRewindOrReinitialize(ctx);
  if (rewindMessage) return rewindMessage;
  let message = 'starting as a secondary';
  let role: StartOptions['role'] = 'replica';
  let upstream: UpstreamMember | null = nodeToFollow(ctx);
  if (hasLock(ctx)) {
    message = 'starting as a standby leader because i had the session lock';
    role = 'standby_leader';
    upstream = remoteMember(ctx);
  } else if (isStandbyCluster(ctx) && isUnlocked(ctx.cluster)) {
    message = 'trying to follow a remote member because standby cluster is unhealthy';
    upstream = remoteMember(ctx);
  }
  return yield* startAfterFailure(ctx, message, { role, upstream, timeoutMs: startTimeoutMs }, name);
}
