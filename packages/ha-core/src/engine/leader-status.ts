import type { LeaderStatus } from '../dcs/dcs.js';
import { slotNameFromMemberName } from '../model/slot-name.js';
import { asLsn, type MemberName } from '../model/types.js';
import type { Ctx } from './context.js';

/**
 * Positions of permanent slots this primary has (dcs.md §3.4): physical → restart_lsn, logical →
 * confirmed_flush_lsn; its own member-slot name at its position survives only if configured as permanent.
 */
export function permanentSlotPositions(ctx: Ctx): Record<string, number> {
  const permanent = ctx.config.permanentSlots;
  const positions: Record<string, number> = {};
  const query = ctx.pg.obs.query;
  if (!query || (ctx.pg.obs.majorVersion ?? 0) < 110000) return positions;
  for (const slot of query.slots) {
    const wanted = permanent[slot.name];
    if (!wanted || wanted.type !== slot.type) continue;
    const lsn = slot.type === 'physical' ? slot.restartLsn : slot.confirmedFlushLsn;
    if (lsn !== null) positions[slot.name] = lsn;
  }
  const own = slotNameFromMemberName(ctx.me);
  if (permanent[own]?.type === 'physical') positions[own] = ctx.pg.walPosition;
  return positions;
}

export function leaderStatus(ctx: Ctx): LeaderStatus {
  const slots = permanentSlotPositions(ctx);
  return Object.keys(slots).length > 0
    ? { lastLsn: asLsn(ctx.pg.walPosition), slots }
    : { lastLsn: asLsn(ctx.pg.walPosition) };
}

/** `/failsafe` the leader writes after each renewal in failsafe mode: every member with an api_url, plus me. */
export function failsafeMap(ctx: Ctx): Record<MemberName, string> | null {
  if (!ctx.config.failsafeMode) return null;
  const map: Record<MemberName, string> = {};
  for (const member of ctx.cluster.members) {
    if (typeof member.data.api_url === 'string' && member.data.api_url)
      map[member.name] = member.data.api_url;
  }
  if (ctx.input.local.apiUrl) map[ctx.me] = ctx.input.local.apiUrl;
  return map;
}
