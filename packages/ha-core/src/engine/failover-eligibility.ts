import { clusterTimeline, failoverPresent, getMember, syncMatches } from '../model/cluster-queries.js';
import type { Failover, MemberName } from '../model/types.js';
import { type Ctx, isQuorumMode, isStandbyCluster, isSyncModeActive, log } from './context.js';
import { perform, type Step } from './effects.js';
import { type PeerStatus, parsePeerStatus } from './peer-status.js';

/** A node that may take over: a member key, or a `/failsafe` entry whose member key expired. */
export interface Candidate {
  readonly name: MemberName;
  readonly apiUrl: string | null;
  /** `nofailover` from the DCS tags (the peer's own `/patroni` tags are checked again). */
  readonly nofailover: boolean;
}

export function memberCandidates(ctx: Ctx): Candidate[] {
  return ctx.cluster.members.map((member) => ({
    name: member.name,
    apiUrl: typeof member.data.api_url === 'string' && member.data.api_url ? member.data.api_url : null,
    nofailover: member.tags.nofailover,
  }));
}

/** `switchover` when `/failover` names the leader, else `manual failover` (ha-loop.md §7.1). */
export function failoverAction(failover: Failover | null): 'switchover' | 'manual failover' {
  return failover?.leader ? 'switchover' : 'manual failover';
}

/** Asks every candidate other than me with an api_url and without `nofailover` for its `/patroni`, in parallel. */
export function* fetchPeerStatuses(ctx: Ctx, candidates: readonly Candidate[]): Step<PeerStatus[]> {
  const targets = candidates
    .filter((c) => c.name !== ctx.me && c.apiUrl !== null && !c.nofailover)
    .map((c) => ({ name: c.name, apiUrl: c.apiUrl ?? '' }));
  if (targets.length === 0) return [];
  const bodies = yield* perform({ kind: 'peers.fetch-status', targets });
  return targets.map((target, index) => parsePeerStatus(target.name, bodies[index] ?? null));
}

/** ha-loop.md §7.3: is there someone healthy enough to hand over to? */
export function* isFailoverPossible(ctx: Ctx, options: { excludeCandidate?: boolean } = {}): Step<boolean> {
  const failover = failoverPresent(ctx.cluster.failover) ? ctx.cluster.failover : null;
  const action = failover ? failoverAction(failover) : 'failover';
  const requested = failover?.candidate ?? null;
  let candidates = memberCandidates(ctx).filter(
    (c) => c.name !== ctx.me && !c.nofailover && c.apiUrl !== null,
  );
  if (requested && options.excludeCandidate) candidates = candidates.filter((c) => c.name !== requested);
  else if (requested) candidates = candidates.filter((c) => c.name === requested);
  const manualToNamedNode = Boolean(requested && !failover?.leader);
  if (isSyncModeActive(ctx) && !manualToNamedNode) {
    candidates = candidates.filter((c) => syncMatches(ctx.cluster.sync, c.name, false));
    if (requested && candidates.length === 0) {
      const standbys = ctx.cluster.sync.syncStandbys.join(',');
      yield* log(
        'warn',
        `${capitalize(action)} candidate=${requested} does not match with sync_standbys=${standbys}`,
      );
    }
  }
  if (candidates.length === 0) {
    yield* log('warn', `${action}: candidates list is empty`);
    return false;
  }
  const timeline = clusterTimeline(ctx.cluster);
  let healthy = 0;
  for (const status of yield* fetchPeerStatuses(ctx, candidates)) {
    if (status.limitation !== null) continue;
    const caughtUp = ctx.cluster.status.lastLsn - status.walPosition <= ctx.config.maximumLagOnFailoverBytes;
    const timelineOk = !ctx.config.checkTimeline || (status.timeline ?? 0) >= timeline;
    if (caughtUp && timelineOk) healthy++;
  }
  // [4.x] quorum commit without a named candidate needs quorum+1 healthy voters.
  const needed = isQuorumMode(ctx) && isSyncModeActive(ctx) && !requested ? ctx.cluster.sync.quorum + 1 : 1;
  return healthy >= needed;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** ha-loop.md §7.2 step 10: am I at least as good as every reachable candidate? */
export function* isHealthiestAmong(
  ctx: Ctx,
  candidates: readonly Candidate[],
  checkLag: boolean,
): Step<boolean> {
  const myLsn = ctx.pg.walPosition;
  if (checkLag && ctx.cluster.status.lastLsn - myLsn > ctx.config.maximumLagOnFailoverBytes) {
    yield* log('info', 'My wal position exceeds maximum replication lag');
    return false;
  }
  if (!isStandbyCluster(ctx) && ctx.config.checkTimeline) {
    const timeline = clusterTimeline(ctx.cluster);
    const mine = ctx.pg.timeline;
    if (mine === null) {
      yield* log('info', 'Can not figure out my timeline');
      return false;
    }
    if (mine < timeline) {
      yield* log('info', `My timeline ${mine} is behind last known cluster timeline ${timeline}`);
      return false;
    }
  }
  const sync = ctx.cluster.sync;
  const quorum = isQuorumMode(ctx) && isSyncModeActive(ctx);
  let votes = syncMatches(sync, ctx.me, true) ? 0 : -1;
  for (const status of yield* fetchPeerStatuses(ctx, candidates)) {
    if (status.limitation !== null) continue;
    if (!status.inRecovery) {
      yield* log('warn', `Primary (${status.name}) is still alive`);
      return false;
    }
    const formerSyncLeader =
      isSyncModeActive(ctx) && sync.leader?.toLowerCase() === status.name.toLowerCase();
    if (status.walPosition > myLsn) {
      if (!formerSyncLeader) {
        yield* log('info', `Wal position of ${status.name} is ahead of my wal position`);
        return false;
      }
    } else if (quorum && syncMatches(sync, status.name, true)) {
      votes++;
    }
    const formerLeader = status.name === ctx.state.knownLeader;
    if (
      status.walPosition > 0 &&
      status.walPosition === myLsn &&
      !formerLeader &&
      ctx.input.local.tags.failoverPriority < status.failoverPriority
    ) {
      yield* log(
        'info',
        `${status.name} has equally tolerable WAL position and priority ${status.failoverPriority}, while this node has priority ${ctx.input.local.tags.failoverPriority}`,
      );
      return false;
    }
  }
  if (quorum && votes < sync.quorum) {
    yield* log('info', `Quorum requirement ${sync.quorum} can't be reached`);
    return false;
  }
  return true;
}

/** ha-loop.md §7.4: the race while `/failover` is present. `deleted`: a stale request was cleared. */
export function* manualFailoverWithoutLeader(ctx: Ctx, failover: Failover): Step<boolean | 'deleted'> {
  const action = failoverAction(failover);
  const paused = ctx.config.paused;
  const requested = failover.candidate;
  if (requested) {
    if (requested === ctx.me) return true;
    if (paused) {
      if (!getMember(ctx.cluster, requested) && ctx.pg.primary) {
        yield* perform({ kind: 'dcs.set-failover', value: {}, version: failover.version });
        return 'deleted';
      }
      return false;
    }
    if (isSyncModeActive(ctx) && !isQuorumMode(ctx) && !syncMatches(ctx.cluster.sync, ctx.me, true))
      return false;
    const member = getMember(ctx.cluster, requested);
    if (member) {
      const [status] = yield* fetchPeerStatuses(ctx, [
        { name: member.name, apiUrl: (member.data.api_url as string | undefined) || null, nofailover: false },
      ]);
      const limitation = status ? status.limitation : 'not reachable';
      if (limitation === null) {
        yield* log('info', `${action}: to ${requested}, i am ${ctx.me}`);
        return false;
      }
      yield* log('warn', `${action}: member ${requested} is ${limitation}`);
    }
  } else if (paused) {
    yield* log('warn', `${capitalize(action)} is possible only to a specific candidate in a paused state`);
    return false;
  }
  if (failover.leader === ctx.me) {
    return !(yield* isFailoverPossible(ctx, { excludeCandidate: Boolean(requested) }));
  }
  let candidates = memberCandidates(ctx).filter((c) => c.name !== failover.leader);
  if (isSyncModeActive(ctx) && !isQuorumMode(ctx)) {
    candidates = candidates.filter((c) => syncMatches(ctx.cluster.sync, c.name, true));
  }
  return yield* isHealthiestAmong(ctx, candidates, false);
}
