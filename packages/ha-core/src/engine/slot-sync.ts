import type { DesiredSlot, StartOptions } from '../ports/postgres.js';
import { type Ctx, hasLock, log } from './context.js';
import { perform, type Step } from './effects.js';
import { enforceHotStandbyFeedback, slotNameOnPrimary } from './member-slots.js';
import { startAction } from './run-action.js';
import { desiredSlots } from './slots.js';
import { nodeToFollow, upstreamFromMember } from './upstream.js';

/** Patroni's failsafe_is_active: primary kept alive by failsafe, or a replica that got a recent POST /failsafe. */
function failsafeActive(ctx: Ctx): boolean {
  if (ctx.state.failsafeActiveSinceMs > 0) return true;
  const received = ctx.input.failsafeReceived;
  return ctx.config.failsafeMode && received !== null && ctx.nowMs - received.receivedAtMs < ctx.config.ttlMs;
}

/** Python's `str(list)` of slot names, as Patroni's summary shows it. */
function pythonList(names: readonly string[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}

/**
 * ha-loop.md §13: reconcile the slots of this node. Returns the logical slots to copy from the primary
 * (none while failsafe is active), with their definitions.
 */
export function* syncSlots(ctx: Ctx, majorVersion: number): Step<Readonly<Record<string, DesiredSlot>>> {
  const tags = ctx.input.local.tags;
  const onPrimary = slotNameOnPrimary(ctx.cluster, ctx.me, tags);
  const leaderMember = ctx.cluster.leader?.name ? ctx.cluster.leader.member : null;
  const plan = desiredSlots({
    me: ctx.me,
    cluster: ctx.cluster,
    config: ctx.config,
    leader: hasLock(ctx),
    nofailover: tags.nofailover,
    nostream: onPrimary === null,
    majorVersion,
  });
  for (const problem of plan.problems) yield* log('error', problem);
  const result = yield* perform({
    kind: 'pg.sync-slots',
    desired: {
      ...plan.desired,
      cleanInactivePhysical: leaderMember !== null && (leaderMember.name !== ctx.me || ctx.pg.primary),
      leader: leaderMember && leaderMember.name !== ctx.me ? upstreamFromMember(ctx, leaderMember) : null,
      slotNameOnPrimary: onPrimary,
      hotStandbyFeedback: enforceHotStandbyFeedback(
        { me: ctx.me, cluster: ctx.cluster, config: ctx.config, nofailover: tags.nofailover, majorVersion },
        tags,
      ),
    },
  });
  const copy: Record<string, DesiredSlot> = {};
  if (failsafeActive(ctx)) return copy;
  for (const name of result.copy) {
    const slot = plan.desired.slots[name];
    if (slot?.type === 'logical') copy[name] = slot;
  }
  return copy;
}

/**
 * ha-loop.md §3 step 13: a replica missing logical slots copies them from the leader in the background
 * (PostgreSQL is restarted). Returns the cycle's summary when the copy started.
 */
export function* startSlotCopy(ctx: Ctx, slots: Readonly<Record<string, DesiredSlot>>): Step<string | null> {
  const names = Object.keys(slots);
  const leader = ctx.cluster.leader;
  if (names.length === 0 || !leader?.name || leader.name === ctx.me || ctx.startedAction === 'promote')
    return null;
  const start: StartOptions = {
    role: 'replica',
    upstream: nodeToFollow(ctx),
    timeoutMs: ctx.config.primaryStartTimeoutMs,
  };
  const source = upstreamFromMember(ctx, leader.member);
  const work = { kind: 'copy-logical-slots', leader: source, slots, start } as const;
  if (!(yield* startAction(ctx, 'copy_logical_slots', work))) return null;
  return `Copying logical slots ${pythonList(names)} from the primary`;
}
