import type { DynamicConfig } from '../config/types.js';
import { slotNameFromMemberName } from '../model/slot-name.js';
import type { Cluster, MemberName } from '../model/types.js';
import type { DesiredSlot, DesiredSlots } from '../ports/postgres.js';
import { memberSlots } from './member-slots.js';

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

/**
 * Known position of a permanent slot: max(`/status.slots`, for physical slots the lsn of the cascading
 * member the slot is named after); null when unknown.
 */
function knownSlotLsn(input: SlotInput, name: string, physical: boolean): number | null {
  const published = input.cluster.status.slots?.[name];
  let lsn = typeof published === 'number' ? published : 0;
  if (physical) {
    for (const member of input.cluster.members) {
      if (member.tags.replicatefrom && slotNameFromMemberName(member.name) === name)
        lsn = Math.max(lsn, member.lsn);
    }
  }
  return lsn > 0 ? lsn : null;
}

/** A permanent physical slot is expected to be active only on the leader, unless a cascading member owns its name. */
function permanentPhysicalSlot(input: SlotInput, name: string): DesiredSlot {
  const cascading = input.cluster.members.some(
    (m) => m.tags.replicatefrom && slotNameFromMemberName(m.name) === name,
  );
  const expectedActive = input.leader && !cascading;
  const lsn = knownSlotLsn(input, name, true);
  return lsn === null || expectedActive
    ? { type: 'physical', expectedActive }
    : { type: 'physical', expectedActive, lsn: lsn as DesiredSlot['lsn'] };
}

/** The slots this node should have (member + permanent), as the Postgres port reconciles them. */
export function desiredSlots(input: SlotInput): SlotPlan {
  const problems: string[] = [];
  const slots = memberSlots(input, problems);
  const standby = input.config.standbyCluster !== null;
  const pg11 = input.majorVersion >= 110000;
  const own = slotNameFromMemberName(input.me);
  if (!input.nofailover) {
    for (const [name, slot] of Object.entries(input.config.permanentSlots)) {
      if (slot.type === 'physical') {
        if (name === own || slots[name] || (!pg11 && !input.leader)) continue;
        if ((slot.clusterType === 'primary' && standby) || (slot.clusterType === 'standby' && !standby))
          continue;
        slots[name] = permanentPhysicalSlot(input, name);
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
      // On a replica a logical slot without a published position is kept (not dropped) but neither copied nor
      // advanced: a leader that has not published yet must not cost replicas their copies.
      const lsn = input.leader ? null : knownSlotLsn(input, name, false);
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
