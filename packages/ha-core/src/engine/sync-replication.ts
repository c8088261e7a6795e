import type { MemberName } from '../model/types.js';
import type { PostgresQueryResult } from '../ports/postgres.js';
import { type Ctx, isSyncModeEnabled, log } from './context.js';
import { perform, type Step } from './effects.js';
import { pickSyncStandbys, renderSynchronousStandbyNames, sameNames } from './sync-standbys.js';

function* writeSync(ctx: Ctx, standbys: readonly MemberName[]): Step<boolean> {
  const sync = ctx.cluster.sync;
  const written = yield* perform({
    kind: 'dcs.write-sync',
    leader: ctx.me,
    standbys: [...standbys].sort(),
    quorum: 0,
    version: sync.version,
  });
  if (!written) return false;
  ctx.cluster = { ...ctx.cluster, sync: written };
  return true;
}

function* setStandbyNames(ctx: Ctx, query: PostgresQueryResult, names: readonly string[]): Step<void> {
  const value = renderSynchronousStandbyNames(names, query.serverVersion);
  if (query.synchronousStandbyNames === (value ?? '')) return;
  yield* perform({ kind: 'pg.set-synchronous-standby-names', value });
  ctx.state.syncNamesChangedAtLsn = ctx.pg.walPosition;
  ctx.state.syncNamesSet = [...names];
}

function* disableSynchronousReplication(ctx: Ctx): Step<void> {
  if (!ctx.cluster.sync.leader) return;
  if (yield* perform({ kind: 'dcs.delete-sync', version: ctx.cluster.sync.version })) {
    yield* log('info', 'Disabled synchronous replication');
    const own = ctx.config.postgresql.parameters.synchronous_standby_names;
    const value = own === undefined || own === '' ? null : String(own);
    yield* perform({ kind: 'pg.set-synchronous-standby-names', value });
  }
}

/**
 * ha-loop.md §11.2 on the primary, every cycle. Invariant: a name is in `/sync` only while it is in
 * `synchronous_standby_names` and confirmed: shrink the DCS before PG, grow it after.
 */
export function* processSyncReplication(ctx: Ctx): Step<void> {
  if (!isSyncModeEnabled(ctx)) {
    yield* disableSynchronousReplication(ctx);
    return;
  }
  if (ctx.cluster.sync.leader !== ctx.me) {
    if (!(yield* writeSync(ctx, []))) return;
    yield* log('info', 'Enabled synchronous replication');
  }
  const query = ctx.pg.obs.query;
  // Without this cycle's walsender view nothing can be decided safely; the next cycle will have it.
  if (!query) return;
  const current = ctx.cluster.sync.syncStandbys;
  const { picked, allowPromote } = pickSyncStandbys({
    me: ctx.me,
    replication: query.replication,
    members: ctx.cluster.members,
    synchronousNodeCount: ctx.config.synchronousNodeCount,
    strict: ctx.config.synchronousModeStrict,
    maximumLagOnSyncnodeBytes: ctx.config.maximumLagOnSyncnodeBytes,
    synchronousCommit: query.synchronousCommit,
    primaryFlushLsn: ctx.pg.walPosition,
    serverVersion: query.serverVersion,
    currentSync: current,
    confirmationLsn: ctx.state.syncNamesChangedAtLsn,
  });
  if (sameNames(picked, current)) {
    if (!sameNames(current, allowPromote)) yield* writeSync(ctx, allowPromote);
    yield* setStandbyNames(
      ctx,
      query,
      picked.length === 0 && ctx.config.synchronousModeStrict ? ['*'] : picked,
    );
    return;
  }
  const lowerAllowed = new Set(allowPromote.map((n) => n.toLowerCase()));
  const common = current.filter((n) => lowerAllowed.has(n.toLowerCase()));
  if (!sameNames(common, current) && !(yield* writeSync(ctx, common))) {
    yield* log('info', 'Synchronous replication key updated by someone else.');
    return;
  }
  let names: readonly string[] = picked;
  if (ctx.config.synchronousModeStrict && picked.length === 0) {
    yield* log('warn', 'No standbys available!');
    names = ['*'];
  }
  yield* setStandbyNames(ctx, query, names);
  if (allowPromote.length > 0 && !sameNames(allowPromote, common)) yield* writeSync(ctx, allowPromote);
}
