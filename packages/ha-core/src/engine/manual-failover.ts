import { failoverPresent } from '../model/cluster-queries.js';
import { type Ctx, isPaused, log } from './context.js';
import { demote } from './demote.js';
import { perform, type Step } from './effects.js';
import { failoverAction, isFailoverPossible } from './failover-eligibility.js';
import { scheduledGate } from './scheduled.js';

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * ha-loop.md §7.1, on the lock holder: honour `/failover`. Returns `<action>: demoting myself` when a graceful
 * demotion started; otherwise clears a request it will not act on and returns null.
 */
export function* manualFailoverFromLeader(ctx: Ctx): Step<string | null> {
  const failover = ctx.cluster.failover;
  if (!failover || !failoverPresent(failover) || (isPaused(ctx) && !ctx.pg.primary)) return null;
  const action = failoverAction(failover);
  const bare = action === 'switchover' ? 'switchover' : 'failover';
  if (failover.scheduledAt) {
    if (isPaused(ctx)) return null;
    const gate = yield* scheduledGate(ctx, failover.scheduledAtMs, action, failover.scheduledAt);
    if (gate.decision === 'wait') return null;
    if (gate.decision === 'stale') {
      yield* perform({ kind: 'dcs.set-failover', value: {}, version: failover.version });
      return null;
    }
    if (gate.delayMs > 0) yield* perform({ kind: 'sleep', ms: gate.delayMs });
  }
  if (!failover.leader || failover.leader === ctx.me) {
    if (failover.candidate !== ctx.me) {
      if (!failover.candidate && isPaused(ctx)) {
        yield* log(
          'warn',
          `${capitalize(action)} is possible only to a specific candidate in a paused state`,
        );
      } else if (yield* isFailoverPossible(ctx)) {
        yield* demote(ctx, 'graceful', action);
        return `${action}: demoting myself`;
      } else {
        yield* log('warn', `${action}: no healthy members found, ${bare} is not possible`);
      }
    } else {
      yield* log('warn', `${action}: I am already the leader, no need to ${bare}`);
    }
  } else {
    yield* log('warn', `${action}: leader name does not match: ${failover.leader} != ${ctx.me}`);
  }
  yield* perform({ kind: 'dcs.set-failover', value: {}, version: failover.version });
  return null;
}
