import type { MemberName } from '../model/types.js';
import type { PostgresQueryResult } from '../ports/postgres.js';
import { type Ctx, isQuorumMode, isSyncModeEnabled, log } from './context.js';
import { perform, type Step } from './effects.js';
import {
  parseQuorumGuc,
  planQuorumSteps,
  type QuorumDcs,
  type QuorumGuc,
  quorumPairSafe,
  quorumTarget,
  renderQuorumGuc,
} from './quorum-commit.js';
import {
  pickSyncStandbys,
  renderSynchronousStandbyNames,
  type SyncPick,
  sameNames,
} from './sync-standbys.js';

function* writeSync(ctx: Ctx, standbys: readonly MemberName[], quorum = 0): Step<boolean> {
  const sync = ctx.cluster.sync;
  const written = yield* perform({
    kind: 'dcs.write-sync',
    leader: ctx.me,
    standbys: [...standbys].sort(),
    quorum,
    version: sync.version,
  });
  if (!written) return false;
  ctx.cluster = { ...ctx.cluster, sync: written };
  return true;
}

function* setStandbyNames(ctx: Ctx, query: PostgresQueryResult, names: readonly string[]): Step<void> {
  yield* setStandbyNamesValue(ctx, query, names, renderSynchronousStandbyNames(names, query.serverVersion));
}

function* setStandbyNamesValue(
  ctx: Ctx,
  query: PostgresQueryResult,
  names: readonly string[],
  value: string | null,
): Step<void> {
  if (query.synchronousStandbyNames === (value ?? '')) return;
  yield* applyStandbyNames(ctx, names, value);
}

/**
 * Sets `synchronous_standby_names` and records the flush LSN at the change: a standby is confirmed (may enter
 * `/sync`) only once it has flushed that far (ha-loop.md §11.3). Every change goes through here, the
 * pre-promote one too (a replica's position then: whatever it had, the standby must have as well).
 */
export function* applyStandbyNames(ctx: Ctx, names: readonly string[], value: string | null): Step<void> {
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

function pick(ctx: Ctx, query: PostgresQueryResult, quorum: boolean): SyncPick {
  return pickSyncStandbys({
    me: ctx.me,
    replication: query.replication,
    members: ctx.cluster.members,
    synchronousNodeCount: ctx.config.synchronousNodeCount,
    strict: ctx.config.synchronousModeStrict,
    maximumLagOnSyncnodeBytes: ctx.config.maximumLagOnSyncnodeBytes,
    synchronousCommit: query.synchronousCommit,
    primaryFlushLsn: ctx.pg.walPosition,
    serverVersion: query.serverVersion,
    currentSync: ctx.cluster.sync.syncStandbys,
    confirmationLsn: ctx.state.syncNamesChangedAtLsn,
    quorum,
  });
}

/**
 * A new primary takes `/sync` over in quorum mode: the previous voters minus me keep their quorum when that is
 * safe with the running GUC (the pre-promote value is), else no voters (nobody can promote until confirmed).
 */
function* takeOverQuorumSync(ctx: Ctx, guc: QuorumGuc): Step<boolean> {
  const sync = ctx.cluster.sync;
  const voters = sync.syncStandbys.filter((n) => n.toLowerCase() !== ctx.me.toLowerCase());
  const kept: QuorumDcs = { quorum: sync.quorum, voters };
  const dcs = quorumPairSafe(guc, kept) ? kept : { quorum: 0, voters: [] };
  if (!(yield* writeSync(ctx, dcs.voters, dcs.quorum))) return false;
  yield* log('info', 'Enabled synchronous replication');
  return true;
}

/**
 * ha-loop.md §11.3 quorum commit on the primary: move (GUC, `/sync`) to the target of the active standbys
 * through pairs that each keep every acknowledging subset meeting every promoting subset.
 */
function* processQuorumCommit(ctx: Ctx, query: PostgresQueryResult | null): Step<void> {
  if (!query) return;
  const guc = parseQuorumGuc(query.synchronousStandbyNames);
  if (ctx.cluster.sync.leader !== ctx.me && !(yield* takeOverQuorumSync(ctx, guc))) return;
  const { picked, allowPromote } = pick(ctx, query, true);
  const sync = ctx.cluster.sync;
  const current = { guc, dcs: { quorum: sync.quorum, voters: sync.syncStandbys } };
  const strict = ctx.config.synchronousModeStrict;
  const target = quorumTarget(picked, allowPromote, ctx.config.synchronousNodeCount, strict);
  if (picked.length === 0 && strict && guc.names !== null) yield* log('warn', 'No standbys available!');
  for (const step of planQuorumSteps(current, target)) {
    if (step.kind === 'guc') {
      yield* setStandbyNamesValue(ctx, query, step.guc.names ?? ['*'], renderQuorumGuc(step.guc));
    } else if (!(yield* writeSync(ctx, step.dcs.voters, step.dcs.quorum))) {
      yield* log('info', 'Synchronous replication key updated by someone else.');
      return;
    }
  }
}

/**
 * Before promoting in quorum mode (ha-loop.md §11.3): keep commits waiting for enough of the previous voters
 * (minus me) that a later race still sees them: `numsync = |voters| − quorum − 1`, +1 when I was no voter.
 */
export function quorumPrePromoteValue(ctx: Ctx): string | null {
  const sync = ctx.cluster.sync;
  const me = ctx.me.toLowerCase();
  const wasVoter = sync.syncStandbys.some((n) => n.toLowerCase() === me);
  const names = sync.syncStandbys.filter((n) => n.toLowerCase() !== me);
  const strictMinimum = ctx.config.synchronousModeStrict ? 1 : 0;
  const numsync = sync.syncStandbys.length - sync.quorum - 1 + (wasVoter ? 0 : 1);
  return renderQuorumGuc({ numsync: Math.max(numsync, strictMinimum), names });
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
  const query = ctx.pg.obs.query;
  if (isQuorumMode(ctx)) {
    yield* processQuorumCommit(ctx, query);
    return;
  }
  if (ctx.cluster.sync.leader !== ctx.me) {
    if (!(yield* writeSync(ctx, []))) return;
    yield* log('info', 'Enabled synchronous replication');
  }
  // Without this cycle's walsender view nothing can be decided safely; the next cycle will have it.
  if (!query) return;
  const current = ctx.cluster.sync.syncStandbys;
  const { picked, allowPromote } = pick(ctx, query, false);
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
