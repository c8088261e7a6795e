import type { DesiredSlot, StartOptions, UpstreamMember } from '../ports/postgres.js';

/** How Postgres is stopped by an action: the port's StopOptions without the callback. */
export interface StopSpec {
  readonly mode: 'smart' | 'fast' | 'immediate';
  readonly checkpoint: boolean;
  readonly timeoutMs: number | null;
}

/** Demotion modes (ha-loop.md §8.1). */
export type DemoteMode = 'graceful' | 'immediate' | 'immediate-nolock' | 'offline';

/**
 * The work of a long background action, as data (ha-loop.md §2, the executor of long actions). The loop runs it with an
 * AbortSignal while cycles go on; its end is reported to the next cycle as a `FinishedAction`.
 */
export type ActionWork =
  /** initdb / custom bootstrap, then start as primary; `standbyLeader`: clone from the remote instead. */
  | { readonly kind: 'bootstrap'; readonly standbyLeaderSource: UpstreamMember | null }
  /** Clone the data directory from `source` (null: a method needing no leader), then start as replica. */
  | { readonly kind: 'clone'; readonly source: UpstreamMember | null; readonly start: StartOptions }
  | { readonly kind: 'post-bootstrap' }
  | { readonly kind: 'start'; readonly start: StartOptions }
  | { readonly kind: 'restart'; readonly start: StartOptions }
  /** pre_promote script (veto → not ok, vetoed), then `pg_ctl promote` waiting up to `waitMs`. */
  | { readonly kind: 'promote'; readonly waitMs: number }
  /**
   * Stop Postgres; `release`: delete `/leader` after the stop (`after-stop`), or as early as the shutdown
   * checkpoint when a candidate already has it (`early`, graceful only), or never (`none`); then start as
   * `start` when given.
   */
  | {
      readonly kind: 'demote';
      readonly mode: DemoteMode;
      readonly stop: StopSpec;
      readonly release: 'none' | 'after-stop' | 'early';
      /** Write `/status.optime` = the shutdown checkpoint LSN when releasing (graceful). */
      readonly releaseWithLastLsn: boolean;
      readonly start: StartOptions | null;
    }
  | { readonly kind: 'crash-recovery' }
  | { readonly kind: 'rewind'; readonly leader: UpstreamMember; readonly removeDataOnFailure: boolean }
  /** Copy logical slots' state files from `leader`: stops PostgreSQL and starts it as `start` (postgres.md §9.4). */
  | {
      readonly kind: 'copy-logical-slots';
      readonly leader: UpstreamMember;
      readonly slots: Readonly<Record<string, DesiredSlot>>;
      readonly start: StartOptions;
    }
  /** Stop immediately, remove the data directory, clone from `source`, start as replica of `start.upstream`. */
  | { readonly kind: 'reinitialize'; readonly source: UpstreamMember | null; readonly start: StartOptions };

export type ActionKind = ActionWork['kind'];
