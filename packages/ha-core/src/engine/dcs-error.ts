import { type Ctx, isPaused, setLeader } from './context.js';
import { demote } from './demote.js';
import { perform, type Step } from './effects.js';
import { permanentSlotPositions } from './leader-status.js';

/** ha-loop.md §9 step 1-3: ask every other `/failsafe` member to accept us as the leader. */
function* failsafeConfirmed(ctx: Ctx): Step<boolean> {
  // After the first failed read the cycle starts from an empty snapshot: use the last /failsafe we saw.
  const failsafe = ctx.cluster.failsafe ?? ctx.state.lastKnownFailsafe ?? null;
  if (!failsafe || !(ctx.me in failsafe)) return false;
  const targets = Object.entries(failsafe)
    .filter(([name]) => name !== ctx.me)
    .map(([name, apiUrl]) => ({ name, apiUrl }));
  if (targets.length === 0) return true;
  const local = ctx.input.local;
  const replies = yield* perform({
    kind: 'peers.failsafe',
    targets,
    payload: {
      name: ctx.me,
      conn_url: local.connUrl ?? '',
      api_url: local.apiUrl ?? '',
      slots: permanentSlotPositions(ctx),
    },
  });
  return replies.length === targets.length && replies.every(Boolean);
}

/** ha-loop.md §10: the DCS could not be reached this cycle. */
export function* handleDcsError(ctx: Ctx): Step<string> {
  ctx.dcsFailed = true;
  if (isPaused(ctx) || !ctx.pg.running) return 'DCS is not accessible';
  if (!ctx.pg.primary) return 'DCS is not accessible';
  if (ctx.config.failsafeMode && (yield* failsafeConfirmed(ctx))) {
    setLeader(ctx, true);
    if (ctx.state.failsafeActiveSinceMs === 0) ctx.state.failsafeActiveSinceMs = ctx.nowMs;
    if (ctx.state.watchdogActive) yield* perform({ kind: 'watchdog.keepalive' });
    return 'continue to run as a leader because failsafe mode is enabled and all members are accessible';
  }
  ctx.state.failsafeActiveSinceMs = 0;
  yield* demote(ctx, 'offline');
  return 'demoted self because DCS is not accessible and I was a leader';
}
