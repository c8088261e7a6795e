import { clusterTimeline, failoverPresent, getMember, syncMatches } from '../model/cluster-queries.js';
import type { Failover, MemberName } from '../model/types.js';
import { type Ctx, isQuorumMode, isStandbyCluster, isSyncModeActive, log } from './context.js';
import { perform, type Step } from './effects.js';
import { handoverCandidates, healthyHandoverCount } from './handover.js';
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
  const plan = handoverCandidates(ctx.cluster, ctx.config, ctx.me, options.excludeCandidate);
  if (plan.requestedNotInSync) {
    const standbys = ctx.cluster.sync.syncStandbys.join(',');
    yield* log(
      'warn',
      `${capitalize(action)} candidate=${plan.requested} does not match with sync_standbys=${standbys}`,
    );
  }
  if (plan.targets.length === 0) {
    yield* log('warn', `${action}: candidates list is empty`);
    return false;
  }
  const candidates = plan.targets.map((t) => ({ name: t.name, apiUrl: t.apiUrl, nofailover: false }));
  const statuses = yield* fetchPeerStatuses(ctx, candidates);
  return healthyHandoverCount(ctx.cluster, ctx.config, statuses, null) >= plan.needed;
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
  const syncActive = isSyncModeActive(ctx);
  const quorum = isQuorumMode(ctx) && syncActive;
  const isVoter = (name: string) => quorum && syncMatches(sync, name, true);
  // [4.x] the former leader (in sync mode: /sync.leader) may have a higher priority; it is ignored.
  const formerLeader = syncActive ? sync.leader : ctx.state.knownLeader;
  const myPriority = ctx.input.local.tags.failoverPriority;
  let votes = isVoter(ctx.me) ? 0 : -1;
  let nodesAhead = 0;
  for (const status of yield* fetchPeerStatuses(ctx, candidates)) {
    if (status.limitation !== null) continue;
    if (!status.inRecovery) {
      yield* log('warn', `Primary (${status.name}) is still alive`);
      return false;
    }
    if (status.walPosition > myLsn) {
      nodesAhead++;
      yield* log('info', `Wal position of ${status.name} is ahead of my wal position`);
      if (!syncActive || !sameName(sync.leader, status.name)) return false;
      yield* log('info', 'Ignoring the former leader being ahead of us');
      continue;
    }
    // Only nodes with Postgres up (position > 0) vote or outrank me.
    if (status.walPosition === 0) continue;
    const lowPriority =
      status.walPosition === myLsn &&
      myPriority < status.failoverPriority &&
      !sameName(formerLeader, status.name) &&
      !outOfFailsafeTopology(ctx, status.name);
    // [4.x] with sync mode active only a quorum voter outranks me (Patroni: `not sync_mode_is_active() or
    // quorum_vote`); the sim found a voter deferring to a non-voter that could never win (seed 2000).
    if (lowPriority && (!syncActive || isVoter(status.name))) {
      yield* log(
        'info',
        `${status.name} has equally tolerable WAL position and priority ${status.failoverPriority}, while this node has priority ${myPriority}`,
      );
      return false;
    }
    if (isVoter(status.name)) votes++;
  }
  // [4.x] quorum: enough votes, or I am the former /sync.leader and nobody is ahead of me.
  if (quorum && votes < sync.quorum && !(nodesAhead === 0 && sameName(sync.leader, ctx.me))) {
    yield* log('info', `Quorum requirement ${sync.quorum} can't be reached`);
    return false;
  }
  return true;
}

/**
 * Not part of Patroni: in the automatic race a node missing from a non-empty `/failsafe` may not race
 * (§7.2 step 8), so deferring to it for its failover_priority alone leaves the cluster without a leader
 * (sim seeds 1576, 2309, 2972, 3033). Only the priority preference is dropped; a node ahead still wins.
 */
function outOfFailsafeTopology(ctx: Ctx, name: string): boolean {
  const failsafe = ctx.cluster.failsafe;
  if (!ctx.config.failsafeMode || !failsafe || failoverPresent(ctx.cluster.failover)) return false;
  const names = Object.keys(failsafe);
  return names.length > 0 && !names.includes(name);
}

function sameName(a: string | null | undefined, b: string): boolean {
  return Boolean(a) && a?.toLowerCase() === b.toLowerCase();
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
  // [4.x] in every active sync mode, quorum included, compare only with /sync's members (§7.4 step 4; as in
  // the automatic race, a node outside /sync that is ahead holds no acknowledged commit).
  if (isSyncModeActive(ctx)) {
    candidates = candidates.filter((c) => syncMatches(ctx.cluster.sync, c.name, true));
  }
  return yield* isHealthiestAmong(ctx, candidates, false);
}
