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

/** [4.x] Member-slot retention is on: `member_slots_ttl > 0`, `use_slots`, PG ≥ 11 (postgres.md §9.2). */
export function memberSlotsRetained(ctx: Ctx): boolean {
  return (
    ctx.config.memberSlotsTtlMs > 0 &&
    ctx.config.postgresql.useSlots &&
    (ctx.pg.obs.majorVersion ?? 0) >= 110000
  );
}

/**
 * [4.x] `/status.retain_slots`: member slot names seen within `member_slots_ttl` (dcs.md §3.4). The leader
 * remembers when it last saw each member key (state `memberSlotsSeenAtMs`) and forgets it after the ttl.
 */
function retainSlots(ctx: Ctx): string[] {
  const seen: Record<string, number> = {};
  const ttlMs = ctx.config.memberSlotsTtlMs;
  for (const [name, atMs] of Object.entries(ctx.state.memberSlotsSeenAtMs ?? {})) {
    if (atMs + ttlMs > ctx.nowMs) seen[name] = atMs;
  }
  for (const member of ctx.cluster.members) {
    if (member.name !== ctx.me) seen[slotNameFromMemberName(member.name)] = ctx.nowMs;
  }
  ctx.state.memberSlotsSeenAtMs = seen;
  return Object.keys(seen).sort();
}

/** With retention, every physical slot of the leader is published too (member slots included) (§9.2). */
function allPhysicalSlotPositions(ctx: Ctx): Record<string, number> {
  const positions: Record<string, number> = {};
  for (const slot of ctx.pg.obs.query?.slots ?? []) {
    if (slot.type === 'physical' && slot.restartLsn !== null) positions[slot.name] = slot.restartLsn;
  }
  positions[slotNameFromMemberName(ctx.me)] = ctx.pg.walPosition;
  return positions;
}

export function leaderStatus(ctx: Ctx): LeaderStatus {
  const lastLsn = asLsn(ctx.pg.walPosition);
  if (memberSlotsRetained(ctx)) {
    const slots = { ...allPhysicalSlotPositions(ctx), ...permanentSlotPositions(ctx) };
    const retain = retainSlots(ctx);
    return retain.length > 0 ? { lastLsn, slots, retainSlots: retain } : { lastLsn, slots };
  }
  const slots = permanentSlotPositions(ctx);
  return Object.keys(slots).length > 0 ? { lastLsn, slots } : { lastLsn };
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
