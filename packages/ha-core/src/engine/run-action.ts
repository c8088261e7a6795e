import type { ActionWork } from './actions.js';
import { type Ctx, log } from './context.js';
import { perform, type Step } from './effects.js';

/** Starts a background action; false (with Patroni's message logged) when another one is running. */
export function* startAction(ctx: Ctx, name: string, work: ActionWork): Step<boolean> {
  const result = yield* perform({ kind: 'action.start', name, work });
  if (!result.started) {
    yield* log('info', `Failed to run ${name}, ${result.running} is already in progress`);
    return false;
  }
  ctx.startedAction = name;
  return true;
}
