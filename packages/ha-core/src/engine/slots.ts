import type { DynamicConfig } from '../config/types.js';
import { getMember, leaderName } from '../model/cluster-queries.js';
import { slotNameFromMemberName } from '../model/slot-name.js';
import type { Cluster, MemberName } from '../model/types.js';
import type { DesiredSlot, DesiredSlots } from '../ports/postgres.js';

/** What `desiredSlots` needs (ha-loop.md §13). */
export interface SlotInput {
  readonly me: MemberName;
  readonly cluster: Cluster;
  readonly config: DynamicConfig;
  /** I hold the leader key (primary or standby leader). */
  readonly leader: boolean;
  readonly nofailover: boolean;
  /** My chain has no streaming (`nostream` on me). */
  readonly nostream: boolean;
  /** Data directory version × 10000 (150000). */
  readonly majorVersion: number;
}

export interface SlotPlan {
  readonly desired: DesiredSlots;
  /** Problems to log (logical slot clashing with a member slot, unsupported version...). */
  readonly problems: readonly string[];
}

/** Member slots: on the leader one per member streaming from it; elsewhere one per member cascading from me. */
function memberSlots(input: SlotInput): Record<string, DesiredSlot> {
  const slots: Record<string, DesiredSlot> = {};
  const leader = leaderName(input.cluster);
  for (const member of input.cluster.members) {
    if (member.name === input.me || member.tags.nostream) continue;
    const from = member.tags.replicatefrom;
    const streamsFromMe = input.leader
      ? !from || from === input.me || !getMember(input.cluster, from)
      : from === input.me && member.name !== leader;
    if (streamsFromMe) slots[slotNameFromMemberName(member.name)] = { type: 'physical' };
  }
  return slots;
}

/** Known position of a permanent slot: max(`/status.slots`, lsn of the member the slot is named after). */
function knownSlotLsn(input: SlotInput, name: string, physical: boolean): number | null {
  const published = input.cluster.status.slots?.[name];
  let lsn = typeof published === 'number' ? published : null;
  if (physical) {
    for (const member of input.cluster.members) {
      if (slotNameFromMemberName(member.name) === name && member.lsn > 0)
        lsn = Math.max(lsn ?? 0, member.lsn);
    }
  }
  return lsn;
}

/** The slots this node should have (member + permanent), as the Postgres port reconciles them. */
export function desiredSlots(input: SlotInput): SlotPlan {
  const slots = memberSlots(input);
  const problems: string[] = [];
  const standby = input.config.standbyCluster !== null;
  const pg11 = input.majorVersion >= 110000;
  const own = slotNameFromMemberName(input.me);
  if (!input.nofailover) {
    for (const [name, slot] of Object.entries(input.config.permanentSlots)) {
      if (slot.type === 'physical') {
        if (name === own || (!pg11 && !input.leader)) continue;
        if ((slot.clusterType === 'primary' && standby) || (slot.clusterType === 'standby' && !standby))
          continue;
        const lsn = input.leader ? null : knownSlotLsn(input, name, true);
        slots[name] =
          lsn === null ? { type: 'physical' } : { type: 'physical', lsn: lsn as DesiredSlot['lsn'] };
        continue;
      }
      if (standby || input.nostream) continue;
      if (!pg11) {
        problems.push(
          `Permanent logical replication slots supported by Patroni only starting from PostgreSQL 11. Following slots will not be created: ${name}`,
        );
        continue;
      }
      if (slots[name]) {
        problems.push(
          `Permanent logical replication slot ${name} is conflicting with physical replication slot for cluster member`,
        );
        continue;
      }
      const lsn = input.leader ? null : knownSlotLsn(input, name, false);
      if (!input.leader && lsn === null) continue;
      slots[name] = {
        type: 'logical',
        database: slot.database,
        plugin: slot.plugin,
        ...(lsn === null ? {} : { lsn: lsn as DesiredSlot['lsn'] }),
      };
    }
  }
  return {
    desired: { slots, ignore: input.config.ignoreSlots, dropUnknown: !input.config.paused },
    problems,
  };
}
