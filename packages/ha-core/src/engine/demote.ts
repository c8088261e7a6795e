import { leaderName } from '../model/cluster-queries.js';
import type { StartOptions } from '../ports/postgres.js';
import type { DemoteMode, StopSpec } from './actions.js';
import { type Ctx, isSyncModeEnabled, reloadCluster, setLeader } from './context.js';
import { EffectFailure, perform, type Step } from './effects.js';
import { triggerDivergenceCheck } from './rewind.js';
import { startAction } from './run-action.js';
import { nodeToFollow } from './upstream.js';

/** Re-read the snapshot to find whom to follow; a DCS error here just keeps the old one (ha-loop.md §8.1 step 6). */
function* reloadIgnoringErrors(ctx: Ctx): Step<void> {
  try {
    yield* reloadCluster(ctx);
  } catch (error) {
    if (!(error instanceof EffectFailure)) throw error;
  }
}

function stopSpec(ctx: Ctx, mode: DemoteMode): StopSpec {
  const stopTimeoutMs =
    isSyncModeEnabled(ctx) && ctx.config.primaryStopTimeoutMs > 0 ? ctx.config.primaryStopTimeoutMs : null;
  const immediate = mode === 'immediate' || mode === 'immediate-nolock';
  return {
    mode: immediate ? 'immediate' : 'fast',
    checkpoint: mode === 'graceful',
    timeoutMs: stopTimeoutMs,
  };
}

/**
 * ha-loop.md §8.1. `graceful` runs entirely as the background action `<action>: demote` (stop with checkpoint,
 * early release, restart as replica left to the next cycle's recover()). The others stop Postgres within the
 * cycle (so a primary without the key stops accepting writes now), release the key if the mode owns it, and
 * start Postgres as a replica in the background (`starting after demotion`).
 */
export function* demote(ctx: Ctx, mode: DemoteMode, actionName = 'demote'): Step<void> {
  triggerDivergenceCheck(ctx);
  const stop = stopSpec(ctx, mode);
  const releases = mode === 'graceful' || mode === 'immediate';
  if (mode === 'graceful') {
    yield* perform({ kind: 'watchdog.disable' });
    ctx.state.watchdogActive = false;
    yield* startAction(ctx, `${actionName}: demote`, {
      kind: 'demote',
      mode,
      stop,
      release: 'early',
      releaseWithLastLsn: true,
      start: null,
    });
    ctx.state.role = 'demoted';
    setLeader(ctx, false);
    return;
  }
  if (ctx.input.action) yield* perform({ kind: 'action.cancel' });
  yield* perform({ kind: 'watchdog.disable' });
  ctx.state.watchdogActive = false;
  yield* perform({ kind: 'pg.stop', stop });
  ctx.state.role = 'demoted';
  ctx.state.checkpointAfterPromote = null;
  const heldKey = leaderName(ctx.cluster) === ctx.me;
  setLeader(ctx, false);
  if (releases && heldKey) {
    yield* perform({ kind: 'dcs.release-leader', lastLsn: null });
  }
  if (isSyncModeEnabled(ctx)) yield* perform({ kind: 'pg.set-synchronous-standby-names', value: null });
  if (mode !== 'offline') yield* reloadIgnoringErrors(ctx);
  const upstream = mode === 'offline' ? null : nodeToFollow(ctx);
  const start: StartOptions = { role: 'replica', upstream, timeoutMs: ctx.config.primaryStartTimeoutMs };
  if (yield* startAction(ctx, 'starting after demotion', { kind: 'start', start })) {
    ctx.state.role = 'replica';
    ctx.state.recovering = true;
    yield* perform({ kind: 'callback', action: 'on_role_change', role: 'replica' });
  }
}
