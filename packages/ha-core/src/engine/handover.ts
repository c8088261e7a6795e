import type { DynamicConfig } from '../config/types.js';
import { clusterTimeline, failoverPresent, syncMatches } from '../model/cluster-queries.js';
import type { Cluster, Lsn, MemberName } from '../model/types.js';
import type { PeerStatus } from './peer-status.js';

/** A member a leader may hand over to (ha-loop.md §7.3 step 1). */
export interface HandoverTarget {
  readonly name: MemberName;
  readonly apiUrl: string;
}

/** Who counts for `is_failover_possible` and how many of them must be healthy. */
export interface HandoverCandidates {
  readonly targets: readonly HandoverTarget[];
  /** `/failover.member`, when one is named. */
  readonly requested: MemberName | null;
  /** Sync mode removed every candidate although one was named (logged as "does not match"). */
  readonly requestedNotInSync: boolean;
  /** Healthy candidates needed: `/sync.quorum + 1` in quorum mode without a named candidate, else 1. */
  readonly needed: number;
}

function syncModeActive(cluster: Cluster, config: DynamicConfig): boolean {
  return config.synchronousMode !== 'off' && config.standbyCluster === null && Boolean(cluster.sync.leader);
}

/**
 * ha-loop.md §7.3 step 1 (pure): members ≠ me, without `nofailover`, with an api_url; only `/failover.member`
 * when one is named (with `excludeCandidate` [4.x], everyone but it); in active sync mode only `/sync`
 * standbys, except for a manual failover to a named node.
 */
export function handoverCandidates(
  cluster: Cluster,
  config: DynamicConfig,
  me: MemberName,
  excludeCandidate = false,
): HandoverCandidates {
  const failover = failoverPresent(cluster.failover) ? cluster.failover : null;
  const requested = failover?.candidate || null;
  let targets: HandoverTarget[] = [];
  for (const member of cluster.members) {
    const apiUrl = member.data.api_url;
    if (member.name === me || member.tags.nofailover || typeof apiUrl !== 'string' || !apiUrl) continue;
    targets.push({ name: member.name, apiUrl });
  }
  if (requested && excludeCandidate) targets = targets.filter((t) => t.name !== requested);
  else if (requested) targets = targets.filter((t) => t.name === requested);
  const manualToNamedNode = Boolean(requested && !failover?.leader);
  const syncActive = syncModeActive(cluster, config);
  let requestedNotInSync = false;
  if (syncActive && !manualToNamedNode) {
    targets = targets.filter((t) => syncMatches(cluster.sync, t.name, false));
    requestedNotInSync = Boolean(requested) && targets.length === 0;
  }
  const quorum = syncActive && config.synchronousMode === 'quorum' && !requested;
  return { targets, requested, requestedNotInSync, needed: quorum ? cluster.sync.quorum + 1 : 1 };
}

/**
 * ha-loop.md §7.3 step 3: a candidate is healthy when usable, not lagging (with `clusterLsn`: at or past it;
 * else within `maximum_lag_on_failover` of `/status`) and, with `check_timeline`, on the cluster's timeline.
 */
export function healthyHandoverCount(
  cluster: Cluster,
  config: DynamicConfig,
  statuses: readonly PeerStatus[],
  clusterLsn: Lsn | null,
): number {
  const timeline = clusterTimeline(cluster);
  let healthy = 0;
  for (const status of statuses) {
    if (status.limitation !== null) continue;
    const caughtUp =
      clusterLsn !== null
        ? status.walPosition >= clusterLsn
        : cluster.status.lastLsn - status.walPosition <= config.maximumLagOnFailoverBytes;
    const timelineOk = !config.checkTimeline || (status.timeline ?? 0) >= timeline;
    if (caughtUp && timelineOk) healthy++;
  }
  return healthy;
}
