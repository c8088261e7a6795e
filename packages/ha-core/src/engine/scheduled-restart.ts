import type { PostgresObservation } from '../ports/postgres.js';
import { type Ctx, isPaused, log } from './context.js';
import { perform, type Step } from './effects.js';
import { startAction } from './run-action.js';
import { scheduledGate } from './scheduled.js';
import type { AgentRole, ScheduledRestart } from './types.js';
import { nodeToFollow } from './upstream.js';

/** Filters of a restart request (ha-loop.md §12.3) checked against the node now; null: restart. Pure. */
export function restartFilterFailure(
  node: { readonly role: AgentRole; readonly observation: PostgresObservation },
  restart: Omit<ScheduledRestart, 'atMs' | 'raw' | 'timeoutMs'>,
): string | null {
  const query = node.observation.query;
  if (restart.postmasterStartTime && query && restart.postmasterStartTime !== query.postmasterStartTime) {
    return 'Cancelling scheduled restart: postgres restart has already happened';
  }
  if (restart.role) {
    const role = node.role === 'primary' ? ['primary', 'master'] : [node.role];
    if (!role.includes(restart.role)) return `restart conditions are not satisfied: role ${restart.role}`;
  }
  if (restart.restartPending && !node.observation.pendingRestart)
    return 'restart conditions are not satisfied: restart_pending';
  if (restart.postgresVersionNum !== null && query && query.serverVersion >= restart.postgresVersionNum) {
    return 'restart conditions are not satisfied: postgres_version';
  }
  return null;
}

/** ha-loop.md §12.3, evaluated after the main branch: its message replaces the cycle's when it fires. */
export function* scheduledRestart(ctx: Ctx): Step<string | null> {
  const restart = ctx.input.scheduledRestart;
  if (!restart || isPaused(ctx) || ctx.startedAction) return null;
  const shownAt = String(restart.raw.schedule ?? '');
  const gate = yield* scheduledGate(ctx, restart.atMs, 'restart', shownAt);
  if (gate.decision === 'wait') return null;
  yield* perform({ kind: 'scheduled-restart.clear' });
  if (gate.decision === 'stale') return null;
  const failure = restartFilterFailure({ role: ctx.state.role, observation: ctx.pg.obs }, restart);
  if (failure) {
    yield* log('warn', failure);
    return null;
  }
  if (gate.delayMs > 0) yield* perform({ kind: 'sleep', ms: gate.delayMs });
  const role =
    ctx.state.role === 'primary'
      ? 'primary'
      : ctx.state.role === 'standby_leader'
        ? 'standby_leader'
        : 'replica';
  const timeoutMs = restart.timeoutMs ?? ctx.config.primaryStartTimeoutMs;
  const upstream = role === 'primary' ? null : nodeToFollow(ctx);
  if (yield* startAction(ctx, 'restart', { kind: 'restart', start: { role, upstream, timeoutMs } })) {
    ctx.state.recovering = true;
    ctx.state.startTimeoutMs = timeoutMs;
  }
  return 'restart initiated';
}
