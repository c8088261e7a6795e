import type { DynamicConfig } from '../config/types.js';
import { getMember, leaderName } from '../model/cluster-queries.js';
import type { Cluster, Member, MemberName } from '../model/types.js';
import { type Effect, perform, type Step } from './effects.js';
import { type PgView, viewPostgres } from './pg-view.js';
import type { CycleInput, HaState } from './types.js';

export type MutableState = { -readonly [K in keyof HaState]: HaState[K] };

/** The working state of one cycle. Only the cycle mutates it; it never escapes except as the outcome. */
export interface Ctx {
  readonly input: CycleInput;
  readonly me: MemberName;
  readonly nowMs: number;
  cluster: Cluster;
  config: DynamicConfig;
  state: MutableState;
  pg: PgView;
  /** The DCS failed during this cycle (no member touch at the end). */
  dcsFailed: boolean;
  /** Name of the background action this cycle started, if any. */
  startedAction: string | null;
  /** The watchdog activation was already tried this cycle (a failed device gets no second attempt). */
  watchdogTried: boolean;
}

export function makeContext(input: CycleInput, cluster: Cluster): Ctx {
  return {
    input,
    me: input.local.name,
    nowMs: input.nowMs,
    cluster,
    config: input.config,
    state: { ...input.state },
    pg: viewPostgres(input.postgres, input.state.role),
    dcsFailed: false,
    startedAction: null,
    watchdogTried: false,
  };
}

/** The freshly read `/leader` is me (Patroni `has_lock`). */
export function hasLock(ctx: Ctx): boolean {
  return leaderName(ctx.cluster) === ctx.me;
}

/** The local leadership flag: true until the leader expiry set by the last successful acquire/renew. */
export function isLeader(ctx: Ctx): boolean {
  return ctx.state.leaderExpiryMs > ctx.nowMs;
}

export function setLeader(ctx: Ctx, value: boolean): void {
  ctx.state.leaderExpiryMs = value ? ctx.nowMs + ctx.config.ttlMs : 0;
}

export function isPaused(ctx: Ctx): boolean {
  return ctx.config.paused;
}

export function isStandbyCluster(ctx: Ctx): boolean {
  return ctx.config.standbyCluster !== null;
}

/** `synchronous_mode` is on (ignored in a standby cluster). */
export function isSyncModeEnabled(ctx: Ctx): boolean {
  return ctx.config.synchronousMode !== 'off' && !isStandbyCluster(ctx);
}

export function isQuorumMode(ctx: Ctx): boolean {
  return isSyncModeEnabled(ctx) && ctx.config.synchronousMode === 'quorum';
}

/** Sync mode is enabled and `/sync` has a leader: promotion is gated by `/sync`. */
export function isSyncModeActive(ctx: Ctx): boolean {
  return isSyncModeEnabled(ctx) && Boolean(ctx.cluster.sync.leader);
}

export function myMember(ctx: Ctx): Member | null {
  return getMember(ctx.cluster, ctx.me);
}

export function* log(level: 'debug' | 'info' | 'warn' | 'error', message: string): Step<void> {
  yield* perform({ kind: 'log', level, message } satisfies Effect);
}

export function* reloadCluster(ctx: Ctx): Step<void> {
  const loaded = yield* perform({ kind: 'dcs.load-cluster' });
  ctx.cluster = loaded.cluster;
  ctx.config = loaded.config;
}

/** Seconds as Patroni prints them in messages (integer). */
export function seconds(ms: number): number {
  return Math.round(ms / 1000);
}
