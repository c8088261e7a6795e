import { type Ctx, log } from './context.js';
import type { Step } from './effects.js';

export type GateDecision = 'wait' | 'due' | 'stale';

/**
 * The scheduled-action gate (ha-loop.md §12.1): wait while more than loop_wait away, stale when more than
 * 1.5 × loop_wait late (or unparseable), else due (the caller sleeps the remaining `delayMs` first).
 */
export function* scheduledGate(
  ctx: Ctx,
  atMs: number | null,
  action: string,
  shownAt: string,
): Step<{ decision: GateDecision; delayMs: number }> {
  if (atMs === null || !Number.isFinite(atMs)) {
    yield* log('warn', `Incorrect value of scheduled_at: ${shownAt}`);
    return { decision: 'stale', delayMs: 0 };
  }
  const deltaMs = atMs - ctx.nowMs;
  const loopWaitMs = ctx.config.loopWaitMs;
  if (deltaMs > loopWaitMs) {
    yield* log('info', `Awaiting ${action} at ${shownAt} (in ${Math.round(deltaMs / 1000)} seconds)`);
    return { decision: 'wait', delayMs: 0 };
  }
  if (deltaMs < -Math.trunc((1.5 * loopWaitMs) / 1000) * 1000) {
    yield* log('warn', `Found a stale ${action} value, cleaning up: ${shownAt}`);
    return { decision: 'stale', delayMs: 0 };
  }
  return { decision: 'due', delayMs: Math.max(deltaMs, 0) };
}
