/** Pure questions the HA logic asks of a `Cluster` snapshot (dcs.md §5 derived helpers). */
import type { Cluster, Failover, Member, MemberName, SyncState } from './types.js';

/** No leader key, or a leader key with an empty name. */
export function isUnlocked(cluster: Cluster): boolean {
  return !cluster.leader?.name;
}

export function leaderName(cluster: Cluster): MemberName | null {
  return cluster.leader?.name ? cluster.leader.name : null;
}

export function hasMember(cluster: Cluster, name: MemberName): boolean {
  return cluster.members.some((member) => member.name === name);
}

/** The member with that name; with `fallbackToLeader`, the leader's member (possibly a stub) when absent. */
export function getMember(cluster: Cluster, name: MemberName, fallbackToLeader = false): Member | null {
  const member = cluster.members.find((m) => m.name === name);
  if (member) return member;
  return fallbackToLeader ? (cluster.leader?.member ?? null) : null;
}

/**
 * The cluster's timeline from `history` (dcs.md §3.8): last entry's parent timeline + 1; 1 when the value is
 * exactly `[]`; 0 when absent or unparseable.
 */
export function clusterTimeline(cluster: Cluster): number {
  const history = cluster.history;
  if (!history) return 0;
  const last = history.lines[history.lines.length - 1];
  if (last) return Number.isFinite(last[0]) ? Math.trunc(last[0]) + 1 : 0;
  return history.rawValue === '[]' ? 1 : 0;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The lowest parseable Patroni version among member keys; null when none parses. */
export function minPatroniVersion(cluster: Cluster): [number, number, number] | null {
  let min: readonly [number, number, number] | null = null;
  for (const member of cluster.members) {
    const version = member.patroniVersion;
    if (version && (min === null || compareVersions(version, min) < 0)) min = version;
  }
  return min ? [min[0], min[1], min[2]] : null;
}

/** A switchover/failover is requested iff `leader` or `member` is non-empty. */
export function failoverPresent(failover: Failover | null): boolean {
  return Boolean(failover && (failover.leader || failover.candidate));
}

/** Is `name` in `sync_standby` (or the sync `leader`, with `checkLeader`)? Case-insensitive, as PostgreSQL. */
export function syncMatches(
  sync: SyncState,
  name: MemberName | null | undefined,
  checkLeader: boolean,
): boolean {
  if (!name || !sync.leader) return false;
  const wanted = name.toLowerCase();
  if (sync.syncStandbys.some((standby) => standby.toLowerCase() === wanted)) return true;
  return checkLeader && sync.leader.toLowerCase() === wanted;
}

/** `sync` is considered empty when its `leader` is empty. */
export function syncIsEmpty(sync: SyncState): boolean {
  return !sync.leader;
}

/**
 * Members a new replica may clone from (tag `clonefrom`, running, with a `conn_url`), excluding
 * `excludeName` and the leader. The caller picks one with a random input and falls back to the leader.
 */
export function cloneSourceCandidates(cluster: Cluster, excludeName: MemberName): Member[] {
  const leader = leaderName(cluster);
  return cluster.members.filter(
    (member) =>
      member.tags.clonefrom &&
      member.isRunning &&
      typeof member.data.conn_url === 'string' &&
      member.data.conn_url !== '' &&
      member.name !== excludeName &&
      member.name !== leader,
  );
}
