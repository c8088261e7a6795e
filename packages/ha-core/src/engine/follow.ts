import { isUnlocked } from '../model/cluster-queries.js';
import { type Ctx, hasLock, isPaused, isStandbyCluster, reloadCluster } from './context.js';
import { demote } from './demote.js';
import { perform, type Step } from './effects.js';
import { handleRewindOrReinitialize, triggerDivergenceCheck } from './rewind.js';
import { startAction } from './run-action.js';
import { nodeToFollow, REMOTE_MEMBER_NAME } from './upstream.js';

/**
 * ha-loop.md §6.3: make this node a replica of the right upstream. Returns `demoteReason` when a running
 * primary had to be demoted, a rewind/reinit message when one started, else `followReason`.
 */
export function* follow(ctx: Ctx, demoteReason: string, followReason: string, refresh = true): Step<string> {
  if (refresh) yield* reloadCluster(ctx);
  const upstream = nodeToFollow(ctx);
  if (isPaused(ctx)) {
    const rewindPending = ctx.state.rewind === 'need' && ctx.input.rewindUsable;
    if (!rewindPending || isUnlocked(ctx.cluster)) {
      if (ctx.pg.primary) {
        ctx.state.role = 'primary';
        return 'continue to run as primary without lock';
      }
      if (ctx.state.role !== 'standby_leader') ctx.state.role = 'replica';
      if (!upstream) return `no action. I am (${ctx.me})`;
    }
  } else if (ctx.pg.primary) {
    yield* demote(ctx, 'immediate-nolock');
    return demoteReason;
  }
  if (!ctx.pg.starting) {
    const rewindMessage = yield* handleRewindOrReinitialize(ctx);
    if (rewindMessage) return rewindMessage;
  }
  const role = upstream?.name === REMOTE_MEMBER_NAME && hasLock(ctx) ? 'standby_leader' : 'replica';
  if (isStandbyCluster(ctx) && role === 'replica' && upstream && !upstream.connUrl) {
    return 'continue following the old known standby leader';
  }
  const change = yield* perform({ kind: 'pg.configure-follow', upstream });
  if (change !== 'unchanged') triggerDivergenceCheck(ctx);
  if (change === 'restart-required') {
    yield* startAction(ctx, 'changing primary_conninfo and restarting', {
      kind: 'restart',
      start: { role, upstream, timeoutMs: ctx.config.primaryStartTimeoutMs },
    });
  }
  if (ctx.state.role !== role) {
    const wasReplicaOrStandbyLeader = ctx.state.role === 'replica' || ctx.state.role === 'standby_leader';
    ctx.state.role = role;
    if (wasReplicaOrStandbyLeader) yield* perform({ kind: 'callback', action: 'on_role_change', role });
  }
  if (change === 'unchanged' && leaderTimelineAhead(ctx)) {
    // [4.1.1] the same leader moved to a newer timeline (e.g. crash recovery, then promote, while this node
    // was cut off from the DCS): primary_conninfo did not change, so nothing else re-checks divergence.
    triggerDivergenceCheck(ctx);
    if (!ctx.pg.starting) {
      const rewindMessage = yield* handleRewindOrReinitialize(ctx);
      if (rewindMessage) return rewindMessage;
    }
  }
  return followReason;
}

/** My replica timeline is known and older than the one the leader's member key publishes. */
function leaderTimelineAhead(ctx: Ctx): boolean {
  const query = ctx.pg.obs.query;
  const mine = query?.inRecovery ? ctx.pg.timeline : null;
  const leaderTimeline = ctx.cluster.leader?.member.data.timeline;
  return (
    typeof mine === 'number' &&
    mine > 0 &&
    typeof leaderTimeline === 'number' &&
    Number.isInteger(leaderTimeline) &&
    mine < leaderTimeline
  );
}
