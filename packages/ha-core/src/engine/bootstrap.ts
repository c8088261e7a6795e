import { isUnlocked, leaderName } from '../model/cluster-queries.js';
import { type Ctx, isStandbyCluster, isSyncModeEnabled, reloadCluster, setLeader } from './context.js';
import { perform, type Step } from './effects.js';
import { cloneSource } from './rewind.js';
import { startAction } from './run-action.js';
import { nodeToFollow, remoteMember } from './upstream.js';

/** Patroni exits on these (system ID mismatch, failed bootstrap): the outcome carries `fatal`. */
export class FatalCycleError extends Error {
  readonly code = 'HA_FATAL';
  constructor(message: string) {
    super(message);
    this.name = 'FatalCycleError';
  }
}

/** ha-loop.md §4.1: the data directory is empty. */
export function* bootstrap(ctx: Ctx): Step<string> {
  const local = ctx.input.local;
  const standby = isStandbyCluster(ctx);
  if (
    isUnlocked(ctx.cluster) &&
    ctx.cluster.initialize === null &&
    !local.tags.nofailover &&
    local.hasBootstrapSection
  ) {
    if (!(yield* perform({ kind: 'dcs.initialize', createNew: true, sysid: '' }))) {
      return 'failed to acquire initialize lock';
    }
    ctx.state.bootstrapping = true;
    ctx.state.postBootstrapDone = false;
    ctx.state.bootstrapFailed = false;
    if (standby) {
      yield* startAction(ctx, 'bootstrap_standby_leader', {
        kind: 'bootstrap',
        standbyLeaderSource: remoteMember(ctx),
      });
      return 'trying to bootstrap a new standby leader';
    }
    yield* startAction(ctx, 'bootstrap', { kind: 'bootstrap', standbyLeaderSource: null });
    return 'trying to bootstrap a new cluster';
  }
  const source = leaderName(ctx.cluster) ? cloneSource(ctx) : null;
  if (source) {
    const kind = source.name === leaderName(ctx.cluster) ? 'leader' : 'replica';
    const message = `bootstrap from ${kind} '${source.name}'`;
    const start = {
      role: 'replica' as const,
      upstream: nodeToFollow(ctx),
      timeoutMs: ctx.config.primaryStartTimeoutMs,
    };
    yield* startAction(ctx, message, { kind: 'clone', source, start });
    return `trying to ${message}`;
  }
  const withoutLeader = standby
    ? (ctx.config.standbyCluster?.createReplicaMethods.length ?? 0) > 0
    : local.canCreateReplicaWithoutLeader;
  if (!leaderName(ctx.cluster) && withoutLeader && ctx.cluster.initialize !== '') {
    const message = 'bootstrap (without leader)';
    const start = { role: 'replica' as const, upstream: null, timeoutMs: ctx.config.primaryStartTimeoutMs };
    yield* startAction(ctx, message, { kind: 'clone', source: null, start });
    return `trying to ${message}`;
  }
  return standby ? 'waiting for standby_leader to bootstrap' : 'waiting for leader to bootstrap';
}

function* cancelInitialization(ctx: Ctx): Step<never> {
  yield* perform({ kind: 'dcs.cancel-initialization' });
  yield* perform({ kind: 'pg.stop', stop: { mode: 'immediate', checkpoint: false, timeoutMs: null } });
  yield* perform({ kind: 'pg.remove-data-directory', reason: 'failed bootstrap' });
  ctx.state.bootstrapping = false;
  throw new FatalCycleError('Failed to bootstrap cluster');
}

/** ha-loop.md §4.2: after the bootstrap action. */
export function* postBootstrap(ctx: Ctx): Step<string> {
  if (!ctx.pg.running || ctx.state.bootstrapFailed) return yield* cancelInitialization(ctx);
  if (!ctx.state.postBootstrapDone) {
    if (!ctx.pg.primary) return 'waiting for end of recovery after bootstrap';
    ctx.state.role = 'primary';
    yield* startAction(ctx, 'post_bootstrap', { kind: 'post-bootstrap' });
    return 'running post_bootstrap';
  }
  ctx.state.bootstrapping = false;
  if (ctx.input.local.watchdogMode !== 'off') {
    const activated = yield* perform({ kind: 'watchdog.activate' });
    ctx.state.watchdogActive = activated;
    if (!activated && ctx.input.local.watchdogMode === 'required') return yield* cancelInitialization(ctx);
  }
  const standby = ctx.state.role === 'standby_leader';
  if (!standby) ctx.state.checkpointAfterPromote = false;
  if (ctx.pg.sysid) {
    yield* perform({
      kind: 'dcs.initialize',
      createNew: ctx.cluster.initialize === null,
      sysid: ctx.pg.sysid,
    });
  }
  yield* perform({ kind: 'dcs.set-config', value: JSON.stringify(ctx.config.raw), version: null });
  yield* perform({ kind: 'dcs.take-leader' });
  setLeader(ctx, true);
  if (isSyncModeEnabled(ctx) && !standby) {
    const value = ctx.config.synchronousModeStrict ? '*' : null;
    yield* perform({ kind: 'pg.set-synchronous-standby-names', value });
  }
  yield* perform({ kind: 'callback', action: 'on_start', role: ctx.state.role });
  ctx.state.startCallbackDone = true;
  yield* reloadCluster(ctx);
  return 'initialized a new cluster';
}
