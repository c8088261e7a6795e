import type { Member, MemberName } from '../model/types.js';
import type { ReplicationConnection } from '../ports/postgres.js';

/** What `pickSyncStandbys` needs to know (ha-loop.md §11.1, postgres.md §10.1). */
export interface SyncPickInput {
  readonly me: MemberName;
  readonly replication: readonly ReplicationConnection[];
  readonly members: readonly Member[];
  readonly synchronousNodeCount: number;
  readonly strict: boolean;
  /** ≤ 0 disables the lag filter. */
  readonly maximumLagOnSyncnodeBytes: number;
  readonly synchronousCommit: string;
  readonly primaryFlushLsn: number;
  /** server_version_num of the primary (multiple sync names need ≥ 90600). */
  readonly serverVersion: number;
  /** Names in `/sync.sync_standby` now. */
  readonly currentSync: readonly MemberName[];
  /** Primary flush LSN when `synchronous_standby_names` last changed (confirmation point). */
  readonly confirmationLsn: number;
  /** Quorum commit: every eligible standby is picked (`nofailover` ones only while fewer than the count). */
  readonly quorum?: boolean;
}

export interface SyncPick {
  /** Names to put into `synchronous_standby_names`, best first. */
  readonly picked: readonly MemberName[];
  /** Of those, the ones confirmed synchronous (may be written to `/sync`). */
  readonly allowPromote: readonly MemberName[];
}

const SYNC_STATE_RANK: Readonly<Record<string, number>> = { sync: 3, quorum: 2, potential: 1 };

interface Eligible {
  readonly member: Member;
  readonly row: ReplicationConnection;
  readonly lsn: number;
}

function lsnColumn(row: ReplicationConnection, synchronousCommit: string): number {
  if (synchronousCommit === 'remote_apply') return row.replayLsn;
  if (synchronousCommit === 'remote_write') return row.writeLsn;
  return row.flushLsn;
}

function eligibleStandbys(input: SyncPickInput): Eligible[] {
  const byName = new Map(input.members.map((m) => [m.name.toLowerCase(), m]));
  const eligible: Eligible[] = [];
  for (const row of input.replication) {
    const member = byName.get(row.applicationName.toLowerCase());
    if (row.state !== 'streaming' || !member || !member.isRunning || member.tags.nosync) continue;
    if (member.name.toLowerCase() === input.me.toLowerCase()) continue;
    eligible.push({ member, row, lsn: lsnColumn(row, input.synchronousCommit) });
  }
  eligible.sort(
    (a, b) =>
      b.member.tags.syncPriority - a.member.tags.syncPriority ||
      (SYNC_STATE_RANK[b.row.syncState] ?? 0) - (SYNC_STATE_RANK[a.row.syncState] ?? 0) ||
      b.lsn - a.lsn,
  );
  // Stable: keeps the order above within each group.
  return [
    ...eligible.filter((e) => !e.member.tags.nofailover),
    ...eligible.filter((e) => e.member.tags.nofailover),
  ];
}

function quorumVoters(eligible: readonly Eligible[], count: number): Eligible[] {
  const chosen: Eligible[] = [];
  for (const e of eligible) if (!e.member.tags.nofailover || chosen.length < count) chosen.push(e);
  return chosen;
}

/** Chooses synchronous standbys from the primary's walsenders. Pure; property-tested. */
export function pickSyncStandbys(input: SyncPickInput): SyncPick {
  let eligible = eligibleStandbys(input);
  const maxLsn = eligible.length > 1 ? Math.max(...eligible.map((e) => e.lsn)) : input.primaryFlushLsn;
  if (input.maximumLagOnSyncnodeBytes > 0) {
    eligible = eligible.filter((e) => maxLsn - e.lsn <= input.maximumLagOnSyncnodeBytes);
  }
  const count = input.serverVersion < 90600 ? 1 : Math.max(input.synchronousNodeCount, input.strict ? 1 : 0);
  const chosen = input.quorum ? quorumVoters(eligible, count) : eligible.slice(0, count);
  const current = new Set(input.currentSync.map((n) => n.toLowerCase()));
  // PostgreSQL reports `quorum` for ANY names from PG 10 on; before that `sync` / `potential`.
  const confirmedStates = !input.quorum
    ? ['sync']
    : input.serverVersion >= 100000
      ? ['quorum']
      : ['sync', 'potential'];
  const allowPromote = chosen
    .filter(
      (e) =>
        confirmedStates.includes(e.row.syncState) &&
        (current.has(e.member.name.toLowerCase()) || e.lsn >= input.confirmationLsn),
    )
    .map((e) => e.member.name);
  return { picked: chosen.map((e) => e.member.name), allowPromote };
}

/** A name as written into `synchronous_standby_names`: double-quoted unless a plain identifier. */
export function quoteStandbyName(name: string): string {
  if (/^[A-Za-z_][A-Za-z_0-9$]*$/.test(name) && !['first', 'any'].includes(name.toLowerCase())) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

/** `synchronous_standby_names` for the picked names (postgres.md §10.2); null removes the parameter. */
export function renderSynchronousStandbyNames(
  names: readonly string[],
  serverVersion: number,
): string | null {
  if (names.includes('*')) return '*';
  if (names.length === 0) return null;
  const quoted = [...names].sort().map(quoteStandbyName);
  // One name, or a server before 9.6 (a single synchronous standby): the name alone.
  if (quoted.length === 1 || serverVersion < 90600) return quoted.slice(0, 1).join('');
  return `${quoted.length} (${quoted.join(',')})`;
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((n) => n.toLowerCase()));
  const right = new Set(b.map((n) => n.toLowerCase()));
  return left.size === right.size && [...left].every((n) => right.has(n));
}
