import { cloneSourceCandidates } from '../model/cluster-queries.js';
import type { UpstreamMember } from '../ports/postgres.js';
import { type Ctx, isStandbyCluster, log } from './context.js';
import { perform, type Step } from './effects.js';
import { startAction } from './run-action.js';
import type { CycleInput } from './types.js';
import { rewindSource, upstreamFromMember } from './upstream.js';

function rewindOrReinitAllowed(ctx: Ctx): boolean {
  return ctx.input.rewindUsable || ctx.input.local.removeDataDirectoryOnDivergedTimelines;
}

/** Enter CHECK (ha-loop.md §8.2) unless a rewind is already known to be needed. */
export function triggerDivergenceCheck(ctx: Ctx): void {
  if (rewindOrReinitAllowed(ctx) && ctx.state.rewind !== 'need') ctx.state.rewind = 'check';
}

/** Evaluates a pending CHECK against `leader`; true when a rewind (or reinit) is needed and possible. */
function* neededAndPossible(ctx: Ctx, leader: UpstreamMember): Step<boolean> {
  if (!leader.connUrl) return false;
  if (ctx.state.rewind === 'check') {
    const verdict = yield* perform({ kind: 'pg.check-divergence', leader });
    if (verdict === 'need') ctx.state.rewind = 'need';
    else if (verdict === 'not-need') ctx.state.rewind = 'not-need';
  }
  return ctx.state.rewind === 'need';
}

/** A random running `clonefrom` member, else the leader (dcs.md §5 getCloneMember). */
export function cloneSource(
  ctx: Pick<Ctx, 'config' | 'me' | 'cluster'> & { readonly input: Pick<CycleInput, 'random'> },
): UpstreamMember | null {
  const candidates = cloneSourceCandidates(ctx.cluster, ctx.me);
  const picked = candidates[Math.floor(ctx.input.random * candidates.length)];
  if (picked) return upstreamFromMember(ctx, picked);
  const leader = ctx.cluster.leader;
  return leader?.name && leader.name !== ctx.me ? upstreamFromMember(ctx, leader.member) : null;
}

/** ha-loop.md §8.3: act on NEED; returns the cycle message when something was started. */
export function* handleRewindOrReinitialize(ctx: Ctx): Step<string | null> {
  const leader = rewindSource(ctx);
  if (!leader || !(yield* neededAndPossible(ctx, leader))) return null;
  if (ctx.input.rewindUsable) {
    const clusterState = ctx.pg.obs.controlData['Database cluster state'];
    if (!ctx.pg.running && clusterState === 'in archive recovery') {
      const message = 'doing crash recovery in a single user mode';
      ctx.state.crashRecoveryStartedMs = ctx.nowMs;
      yield* startAction(ctx, message, { kind: 'crash-recovery' });
      return message;
    }
    const message = `running pg_rewind from ${leader.name}`;
    if (leader.checkpointAfterPromote === false) {
      yield* log('info', `Waiting for checkpoint on ${leader.name} before rewind`);
      return message;
    }
    const local = ctx.input.local;
    yield* startAction(ctx, message, {
      kind: 'rewind',
      leader,
      removeDataOnFailure:
        local.removeDataDirectoryOnRewindFailure || local.removeDataDirectoryOnDivergedTimelines,
    });
    return message;
  }
  if (ctx.input.local.removeDataDirectoryOnDivergedTimelines && !isStandbyCluster(ctx)) {
    const message = 'reinitializing due to diverged timelines';
    yield* startAction(ctx, message, {
      kind: 'reinitialize',
      source: cloneSource(ctx),
      start: { role: 'replica', upstream: leader, timeoutMs: ctx.config.primaryStartTimeoutMs },
    });
    return message;
  }
  return null;
}
