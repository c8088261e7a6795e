import { clusterTimeline, failoverPresent, syncMatches } from '../model/cluster-queries.js';
import {
  type Ctx,
  isPaused,
  isQuorumMode,
  isStandbyCluster,
  isSyncModeActive,
  log,
  reloadCluster,
  setLeader,
} from './context.js';
import { perform, type Step } from './effects.js';
import {
  type Candidate,
  isHealthiestAmong,
  manualFailoverWithoutLeader,
  memberCandidates,
} from './failover-eligibility.js';
import { follow } from './follow.js';
import { enforceFollowRemoteMember, enforcePrimaryRole } from './primary.js';
import { triggerDivergenceCheck } from './rewind.js';

/** ha-loop.md §7.2 step 8: old_cluster members, `/failsafe` entries, current members; later wins by name. */
function raceCandidates(ctx: Ctx): Candidate[] | null {
  const byName = new Map<string, Candidate>();
  for (const member of ctx.state.knownMembers) {
    const apiUrl =
      typeof member.data.api_url === 'string' && member.data.api_url ? member.data.api_url : null;
    byName.set(member.name, { name: member.name, apiUrl, nofailover: member.tags.nofailover });
  }
  const failsafe = ctx.cluster.failsafe;
  if (ctx.config.failsafeMode && failsafe) {
    const names = Object.keys(failsafe);
    if (names.length > 0 && !names.includes(ctx.me)) return null;
    for (const [name, apiUrl] of Object.entries(failsafe))
      byName.set(name, { name, apiUrl, nofailover: false });
  }
  for (const candidate of memberCandidates(ctx)) byName.set(candidate.name, candidate);
  return [...byName.values()];
}

/** ha-loop.md §7.2: may this node race for the leader key? */
export function* isHealthiestNode(ctx: Ctx): Step<boolean> {
  const state = ctx.state;
  if (state.releasedLeaderKeyAtMs > 0 && ctx.nowMs - state.releasedLeaderKeyAtMs < ctx.config.ttlMs) {
    yield* log(
      'info',
      'backoff: skip leader race after pre_promote script failure and releasing the lock voluntarily',
    );
    return false;
  }
  const failover = failoverPresent(ctx.cluster.failover) ? ctx.cluster.failover : null;
  const nofailover = ctx.input.local.tags.nofailover;
  if (isPaused(ctx) && !nofailover && failover && !failover.scheduledAt) {
    const verdict = yield* manualFailoverWithoutLeader(ctx, failover);
    if (verdict !== 'deleted') return verdict;
  }
  if (ctx.pg.starting) return false;
  if (ctx.pg.primary) {
    if (isPaused(ctx)) return !ctx.cluster.initialize || ctx.cluster.initialize === ctx.pg.sysid;
    return (ctx.pg.timeline ?? 0) >= clusterTimeline(ctx.cluster);
  }
  if (isPaused(ctx) || nofailover) return false;
  if (failover) {
    if (failover.leader && isSyncModeActive(ctx) && !syncMatches(ctx.cluster.sync, ctx.me, true))
      return false;
    return (yield* manualFailoverWithoutLeader(ctx, failover)) === true;
  }
  if (ctx.input.local.watchdogMode === 'required' && !ctx.input.watchdogUsable) {
    yield* log('warn', 'Watchdog device is not usable');
    return false;
  }
  let candidates = raceCandidates(ctx);
  if (candidates === null) {
    yield* log('info', `Not racing: I (${ctx.me}) am not in the failsafe topology`);
    return false;
  }
  if (isSyncModeActive(ctx)) {
    // [4.x] in quorum mode a node outside /sync may race (it needs `quorum` votes), but in every sync mode only
    // /sync's leader and standbys are compared with: a node outside them that is ahead holds no acknowledged
    // commit, and deferring to it could leave the cluster without a leader (sim seed 1576).
    if (!isQuorumMode(ctx) && !syncMatches(ctx.cluster.sync, ctx.me, true)) return false;
    candidates = candidates.filter((c) => syncMatches(ctx.cluster.sync, c.name, true));
  }
  return yield* isHealthiestAmong(ctx, candidates, true);
}

function* takeOverAfterAcquire(ctx: Ctx): Step<string> {
  setLeader(ctx, true);
  const failover = ctx.cluster.failover;
  if (failover && failoverPresent(failover)) {
    if (isPaused(ctx) && failover.leader && failover.candidate) {
      // Keep the candidate so the paused promotion completes (a paused request is never scheduled).
      const value = { member: failover.candidate };
      yield* perform({ kind: 'dcs.set-failover', value, version: failover.version });
    } else {
      yield* perform({ kind: 'dcs.set-failover', value: {}, version: null });
    }
  }
  yield* reloadCluster(ctx);
  if (isStandbyCluster(ctx)) {
    return yield* enforceFollowRemoteMember(
      ctx,
      'promoted self to a standby leader by acquiring session lock',
    );
  }
  return yield* enforcePrimaryRole(
    ctx,
    'acquired session lock as a leader',
    'promoted self to leader by acquiring session lock',
  );
}

/** ha-loop.md §6.2: no leader. */
export function* processUnhealthyCluster(ctx: Ctx): Step<string> {
  if (yield* isHealthiestNode(ctx)) {
    if (yield* perform({ kind: 'dcs.acquire-leader' })) return yield* takeOverAfterAcquire(ctx);
    return yield* follow(
      ctx,
      'demoted self after trying and failing to obtain lock',
      'following new leader after trying and failing to obtain lock',
    );
  }
  const nofailover = ctx.input.local.tags.nofailover;
  if (failoverPresent(ctx.cluster.failover) || nofailover) {
    triggerDivergenceCheck(ctx);
    // Let the winner create the key before we read the cluster again.
    yield* perform({ kind: 'sleep', ms: 2000 });
  }
  if (nofailover) {
    return yield* follow(
      ctx,
      'demoting self because I am not allowed to become primary',
      'following a different leader because I am not allowed to promote',
    );
  }
  return yield* follow(
    ctx,
    'demoting self because i am not the healthiest node',
    'following a different leader because i am not the healthiest node',
  );
}
