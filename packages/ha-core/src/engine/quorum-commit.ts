/**
 * Quorum commit (`synchronous_mode: quorum`, ha-loop.md §11.3) as pure functions: the safety predicate on a
 * (GUC, `/sync`) pair and the ordered steps from the current pair to the target.
 *
 * A commit is acknowledged by any `numsync` of the GUC's names; a promotion needs `quorum + 1` voters of
 * `/sync` (a voter candidate plus `quorum` voters, or `quorum + 1` voters for any other node). A pair is safe
 * when every such acknowledging subset meets every such promoting subset.
 */

import { quoteStandbyName } from './sync-standbys.js';

/** `synchronous_standby_names` as `ANY numsync (names)`; `names: null` stands for `*` (any standby). */
export interface QuorumGuc {
  readonly numsync: number;
  readonly names: readonly string[] | null;
}

/** The quorum fields of `/sync`: `quorum` and the voters (`sync_standby`). */
export interface QuorumDcs {
  readonly quorum: number;
  readonly voters: readonly string[];
}

export type QuorumStep =
  | { readonly kind: 'guc'; readonly guc: QuorumGuc }
  | { readonly kind: 'dcs'; readonly dcs: QuorumDcs };

const lower = (names: readonly string[]) => new Set(names.map((n) => n.toLowerCase()));

/** Every acknowledging subset intersects every promoting subset (exact, for any two sets). */
export function quorumPairSafe(guc: QuorumGuc, dcs: QuorumDcs): boolean {
  const voters = lower(dcs.voters);
  const promoting = dcs.quorum + 1;
  if (voters.size < promoting) return true; // nobody can gather the votes: no promotion at all
  if (guc.numsync < 1) return false; // commits need no standby, yet someone may promote
  if (guc.names === null) return false; // `*`: any standby, voter or not, acknowledges
  const sync = lower(guc.names);
  if (guc.numsync > sync.size) return true; // no commit can complete
  const both = [...voters].filter((n) => sync.has(n)).length;
  const votersOnly = voters.size - both;
  const syncOnly = sync.size - both;
  // Disjoint subsets exist iff the shared names suffice for what each side cannot take from its own part.
  return Math.max(0, promoting - votersOnly) + Math.max(0, guc.numsync - syncOnly) > both;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = lower(a);
  const right = lower(b);
  return left.size === right.size && [...left].every((n) => right.has(n));
}

export function sameGuc(a: QuorumGuc, b: QuorumGuc): boolean {
  if (a.names === null || b.names === null) return a.names === b.names && a.numsync === b.numsync;
  return a.numsync === b.numsync && sameSet(a.names, b.names);
}

export function sameDcs(a: QuorumDcs, b: QuorumDcs): boolean {
  return a.quorum === b.quorum && sameSet(a.voters, b.voters);
}

/** What the primary wants: all active names in the GUC; the confirmed ones as voters, with the least safe quorum. */
export function quorumTarget(
  active: readonly string[],
  confirmed: readonly string[],
  syncWanted: number,
  strict: boolean,
): { guc: QuorumGuc; dcs: QuorumDcs } {
  const names = [...active].sort();
  if (names.length === 0) {
    // Strict mode without standbys: `*` keeps commits waiting for any standby to come back.
    return {
      guc: strict ? { numsync: 1, names: null } : { numsync: 0, names: [] },
      dcs: { quorum: 0, voters: [] },
    };
  }
  const guc = { numsync: Math.max(1, Math.min(syncWanted, names.length)), names };
  const activeSet = lower(names);
  const voters = [...confirmed].filter((n) => activeSet.has(n.toLowerCase())).sort();
  let quorum = 0;
  while (quorum < voters.length && !quorumPairSafe(guc, { quorum, voters })) quorum++;
  return { guc, dcs: voters.length === 0 ? { quorum: 0, voters: [] } : { quorum, voters } };
}

/**
 * The steps from `current` to `target`, each keeping the pair safe: the GUC first when that is safe against
 * the current `/sync` (adding to an empty GUC, raising numsync), else `/sync` first (removing voters, raising
 * quorum), else through a `/sync` that needs every name involved to promote (moments without failover, never
 * without commits). Empty when nothing changes. Assumes `current` is safe.
 */
export function planQuorumSteps(
  current: { guc: QuorumGuc; dcs: QuorumDcs },
  target: { guc: QuorumGuc; dcs: QuorumDcs },
): QuorumStep[] {
  const gucStep: QuorumStep = { kind: 'guc', guc: target.guc };
  const dcsStep: QuorumStep = { kind: 'dcs', dcs: target.dcs };
  const gucChanges = !sameGuc(current.guc, target.guc);
  const dcsChanges = !sameDcs(current.dcs, target.dcs);
  if (!gucChanges) return dcsChanges ? [dcsStep] : [];
  // The target pair is safe, so with `/sync` staying as it is the GUC change alone is too.
  if (!dcsChanges) return [gucStep];
  if (quorumPairSafe(target.guc, current.dcs)) return [gucStep, dcsStep];
  if (quorumPairSafe(current.guc, target.dcs)) return [dcsStep, gucStep];
  const everyone = [
    ...new Set([
      ...current.dcs.voters,
      ...target.dcs.voters,
      ...(current.guc.names ?? []),
      ...(target.guc.names ?? []),
    ]),
  ].sort();
  // Promotion needs all of them: safe with any GUC that needs at least one of them.
  const bridge: QuorumStep = {
    kind: 'dcs',
    dcs: { quorum: Math.max(0, everyone.length - 1), voters: everyone },
  };
  return [bridge, gucStep, dcsStep];
}

/** `ANY numsync (names)` (postgres.md §10.2), `*`, or null (parameter removed). */
export function renderQuorumGuc(guc: QuorumGuc): string | null {
  if (guc.names === null) return '*';
  if (guc.names.length === 0) return guc.numsync >= 1 ? '*' : null;
  return `ANY ${guc.numsync} (${[...guc.names].sort().map(quoteStandbyName).join(',')})`;
}

/**
 * Parses the running `synchronous_standby_names` for the planner: `ANY n (..)`, `FIRST n (..)`, `n (..)`
 * (treated as ANY, which is the weaker guarantee), a plain list (one of them), `*`, or empty.
 */
export function parseQuorumGuc(value: string): QuorumGuc {
  const text = value.trim();
  if (text === '') return { numsync: 0, names: [] };
  const match = /^(?:(any|first)\s+)?(\d+)\s*\((.*)\)$/is.exec(text);
  const list = match ? (match[3] as string) : text;
  const names: string[] = [];
  for (const raw of list.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const item = raw.trim();
    if (item === '*') return { numsync: 1, names: null };
    if (item) names.push(item.startsWith('"') ? item.slice(1, -1).replaceAll('""', '"') : item);
  }
  const numsync = match ? Number(match[2]) : Math.min(1, names.length);
  return { numsync, names };
}
