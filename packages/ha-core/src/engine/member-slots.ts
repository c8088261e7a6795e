import type { DynamicConfig } from '../config/types.js';
import { getMember, leaderName } from '../model/cluster-queries.js';
import { slotNameFromMemberName } from '../model/slot-name.js';
import type { Cluster, Member, MemberName, MemberTags } from '../model/types.js';
import type { DesiredSlot } from '../ports/postgres.js';

/** What the member-slot rules need to know about this node (postgres.md §9.2). */
export interface MemberSlotInput {
  readonly me: MemberName;
  readonly cluster: Cluster;
  readonly config: DynamicConfig;
  /** I hold the leader key (primary or standby leader). */
  readonly leader: boolean;
  readonly nofailover: boolean;
  /** Data directory version × 10000 (150000). */
  readonly majorVersion: number;
}

/** [4.x] Member slots are retained (kept on every node, advanced when idle): `member_slots_ttl > 0`, PG ≥ 11. */
export function memberSlotRetention(input: Pick<MemberSlotInput, 'config' | 'majorVersion'>): boolean {
  return input.config.memberSlotsTtlMs > 0 && input.majorVersion >= 110000;
}

/** Whether `member` streams from me, i.e. my slot for it should be fed by a walsender (3.3.1 rules). */
function streamsFromMe(input: MemberSlotInput, member: Member): boolean {
  const from = member.tags.replicatefrom;
  if (input.leader) return !from || from === input.me || !getMember(input.cluster, from);
  return from === input.me && member.name !== leaderName(input.cluster);
}

/**
 * The physical member slots this node keeps (postgres.md §9.2). 3.x rules: only slots of members streaming
 * from me. [4.x] With retention: a slot for every other member (a `nofailover` node only for members
 * cascading from it) plus `/status.retain_slots`; slots not expected to be active carry the LSN to advance
 * them to. Names shared by several members are reported in `problems`.
 */
export function memberSlots(input: MemberSlotInput, problems: string[]): Record<string, DesiredSlot> {
  const retention = memberSlotRetention(input);
  let members = input.cluster.members.filter((m) => m.name !== input.me && !m.tags.nostream);
  members = retention
    ? members.filter((m) => !input.nofailover || m.tags.replicatefrom === input.me)
    : members.filter((m) => streamsFromMe(input, m));
  const leaderVersion = input.cluster.leader?.member.patroniVersion ?? null;
  const leaderBefore4 = leaderVersion !== null && leaderVersion[0] < 4;
  const published = input.cluster.status.slots ?? {};
  const slots: Record<string, DesiredSlot> = {};
  for (const member of members) {
    const name = slotNameFromMemberName(member.name);
    let lsn = typeof published[name] === 'number' ? published[name] : 0;
    // The leader's slot for a cascading member does not move: that member's own position is fresher.
    if (member.tags.replicatefrom || leaderBefore4) lsn = Math.max(member.lsn, lsn);
    const expectedActive = streamsFromMe(input, member);
    slots[name] =
      lsn > 0 && !expectedActive
        ? { type: 'physical', expectedActive, lsn: lsn as DesiredSlot['lsn'] }
        : { type: 'physical', expectedActive };
  }
  if (Object.keys(slots).length < members.length) problems.push(sharedSlotNames(members));
  if (!input.nofailover) {
    const own = slotNameFromMemberName(input.me);
    for (const name of input.cluster.status.retainSlots) {
      if (name !== own && !slots[name]) slots[name] = { type: 'physical' };
    }
  }
  return slots;
}

function sharedSlotNames(members: readonly Member[]): string {
  const byName = new Map<string, string[]>();
  for (const member of members) {
    const name = slotNameFromMemberName(member.name);
    byName.set(name, [...(byName.get(name) ?? []), member.name]);
  }
  const shared = [...byName].filter(([, names]) => names.length > 1);
  return `Following cluster members share a replication slot name: ${shared
    .map(([slot, names]) => `${names.join(', ')} map to ${slot}`)
    .join('; ')}`;
}

/**
 * The name of the physical slot on the primary that carries this node's WAL (cascading: the slot of the
 * replica that connects the chain to the primary); null for a `nostream` chain or a `replicatefrom` loop.
 */
export function slotNameOnPrimary(cluster: Cluster, name: MemberName, tags: MemberTags): string | null {
  const seen = new Set<MemberName>();
  let current = name;
  let currentTags = tags;
  for (;;) {
    seen.add(current);
    if (currentTags.nostream) return null;
    const from = currentTags.replicatefrom;
    const upstream = from && from !== current ? getMember(cluster, from) : null;
    if (!upstream) return slotNameFromMemberName(current);
    if (seen.has(upstream.name)) return null;
    current = upstream.name;
    currentTags = upstream.tags;
  }
}

/** Whether a node with these tags gets permanent logical slots (replica view, postgres.md §9.3). */
function holdsPermanentLogicalSlots(
  input: Omit<MemberSlotInput, 'leader' | 'me'>,
  name: MemberName,
  tags: MemberTags,
): boolean {
  if (tags.nofailover || !input.config.postgresql.useSlots) return false;
  if (slotNameOnPrimary(input.cluster, name, tags) === null) return false;
  return Object.values(input.config.permanentSlots).some((slot) => slot.type === 'logical');
}

/**
 * `hot_standby_feedback` must be on when this node should hold logical slots, or feeds (directly or down a
 * cascade) a replica that should (postgres.md §9.4; Patroni's should_enforce_hot_standby_feedback).
 */
export function enforceHotStandbyFeedback(input: Omit<MemberSlotInput, 'leader'>, tags: MemberTags): boolean {
  if (input.config.standbyCluster !== null || input.majorVersion < 110000) return false;
  const leader = leaderName(input.cluster);
  const visit = (name: MemberName, memberTags: MemberTags, seen: Set<MemberName>): boolean => {
    if (holdsPermanentLogicalSlots(input, name, memberTags)) return true;
    if (!input.config.postgresql.useSlots || slotNameOnPrimary(input.cluster, name, memberTags) === null)
      return false;
    seen.add(name);
    return input.cluster.members.some(
      (m) =>
        m.tags.replicatefrom === name &&
        m.name !== leader &&
        !seen.has(m.name) &&
        visit(m.name, m.tags, seen),
    );
  };
  return visit(input.me, tags, new Set());
}
