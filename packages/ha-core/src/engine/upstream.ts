import { getMember, leaderName } from '../model/cluster-queries.js';
import { slotNameFromMemberName } from '../model/slot-name.js';
import type { Member } from '../model/types.js';
import type { UpstreamMember } from '../ports/postgres.js';
import { type Ctx, hasLock, isPaused, isStandbyCluster } from './context.js';

/** The name under which the standby cluster's remote primary appears (Patroni's RemoteMember). */
export const REMOTE_MEMBER_NAME = 'remote_member';

/** The slot this node uses on its upstream (`primary_slot_name`), when slots are in use. */
function mySlotName(ctx: Pick<Ctx, 'config' | 'me'>): string | null {
  return ctx.config.postgresql.useSlots ? slotNameFromMemberName(ctx.me) : null;
}

export function upstreamFromMember(ctx: Pick<Ctx, 'config' | 'me'>, member: Member): UpstreamMember {
  const standby = ctx.config.standbyCluster;
  const connUrl =
    typeof member.data.conn_url === 'string' && member.data.conn_url ? member.data.conn_url : null;
  return {
    name: member.name,
    connUrl,
    slotName: mySlotName(ctx),
    // In a standby cluster the archive settings of standby_cluster apply to every member's recovery.
    restoreCommand: standby?.restoreCommand ?? null,
    archiveCleanupCommand: standby?.archiveCleanupCommand ?? null,
    checkpointAfterPromote:
      typeof member.data.checkpoint_after_promote === 'boolean' ? member.data.checkpoint_after_promote : null,
  };
}

/** The remote primary a standby cluster's leader follows, built from `standby_cluster`. */
export function remoteMember(ctx: Ctx): UpstreamMember | null {
  const standby = ctx.config.standbyCluster;
  if (!standby) return null;
  const connUrl = standby.host ? `postgres://${standby.host}:${standby.port ?? 5432}/postgres` : null;
  return {
    name: REMOTE_MEMBER_NAME,
    connUrl,
    slotName: standby.primarySlotName,
    restoreCommand: standby.restoreCommand,
    archiveCleanupCommand: standby.archiveCleanupCommand,
    recoveryMinApplyDelay: standby.recoveryMinApplyDelay,
    checkpointAfterPromote: null,
  };
}

/** ha-loop.md §6.3 step 2: whom this node streams from; never itself; null for none. */
export function nodeToFollow(ctx: Ctx): UpstreamMember | null {
  const tags = ctx.input.local.tags;
  if (tags.nostream) return null;
  const locked = leaderName(ctx.cluster) !== null;
  if (isStandbyCluster(ctx) && (hasLock(ctx) || (!locked && !isPaused(ctx)))) return remoteMember(ctx);
  let member: Member | null = null;
  if (tags.replicatefrom && tags.replicatefrom !== ctx.me) {
    member = getMember(ctx.cluster, tags.replicatefrom) ?? ctx.cluster.leader?.member ?? null;
  } else {
    member = ctx.cluster.leader?.name ? ctx.cluster.leader.member : null;
  }
  if (!member || member.name === ctx.me) return null;
  return upstreamFromMember(ctx, member);
}

/** The leader a rewind is checked against: the remote in a standby cluster, else `/leader` (not me). */
export function rewindSource(ctx: Ctx): UpstreamMember | null {
  if (isStandbyCluster(ctx)) return remoteMember(ctx);
  const leader = ctx.cluster.leader;
  if (!leader?.name || leader.name === ctx.me) return null;
  return upstreamFromMember(ctx, leader.member);
}
