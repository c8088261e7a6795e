import type { DynamicConfig } from '../config/types.js';
import type { FailoverRequest, LeaderStatus } from '../dcs/dcs.js';
import type { Cluster, KeyVersion, Lsn, MemberData, MemberName, SyncState } from '../model/types.js';
import type {
  CallbackAction,
  DesiredSlots,
  OperationResult,
  SlotSyncResult,
  StartOptions,
  StopResult,
  UpstreamMember,
} from '../ports/postgres.js';
import type { FailsafeHeartbeat } from '../ports/status.js';
import type { ActionWork, StopSpec } from './actions.js';

/** A peer whose `/patroni` the race asks for (GET `apiUrl`, 2 s timeout, no retry). */
export interface PeerTarget {
  readonly name: MemberName;
  readonly apiUrl: string;
}

/** What a (re)load of the DCS returns: the snapshot and the dynamic config in effect for it. */
export interface LoadedCluster {
  readonly cluster: Cluster;
  readonly config: DynamicConfig;
}

export type ActionStartResult =
  | { readonly started: true }
  | { readonly started: false; readonly running: string };

/**
 * Everything the engine asks the outside world to do, in order. Each kind has a result (`EffectResults`) the
 * executor feeds back. DCS operations that cannot reach the DCS are thrown into the cycle as an `EffectFailure`.
 */
export type Effect =
  | { readonly kind: 'dcs.load-cluster' }
  | { readonly kind: 'dcs.acquire-leader' }
  | {
      readonly kind: 'dcs.renew-leader';
      readonly status: LeaderStatus;
      readonly failsafe: Readonly<Record<MemberName, string>> | null;
      /**
       * Keep the watchdog alive as soon as the lease is renewed, before `/status` and `/failsafe` are written
       * (their round trips must not eat into safety_margin); when renewal returns true it has been done.
       */
      readonly keepalive?: boolean;
    }
  | { readonly kind: 'dcs.release-leader'; readonly lastLsn: Lsn | null }
  | { readonly kind: 'dcs.take-leader' }
  | { readonly kind: 'dcs.initialize'; readonly createNew: boolean; readonly sysid: string }
  | { readonly kind: 'dcs.cancel-initialization' }
  | { readonly kind: 'dcs.touch-member'; readonly data: MemberData }
  | { readonly kind: 'dcs.set-config'; readonly value: string; readonly version: KeyVersion | null }
  | {
      readonly kind: 'dcs.set-failover';
      readonly value: FailoverRequest;
      readonly version: KeyVersion | null;
    }
  | {
      readonly kind: 'dcs.write-sync';
      readonly leader: MemberName | null;
      readonly standbys: readonly MemberName[];
      readonly quorum: number | null;
      readonly version: KeyVersion | null;
    }
  | { readonly kind: 'dcs.delete-sync'; readonly version: KeyVersion | null }
  | { readonly kind: 'dcs.set-history'; readonly value: string }
  | { readonly kind: 'peers.fetch-status'; readonly targets: readonly PeerTarget[] }
  | {
      readonly kind: 'peers.failsafe';
      readonly targets: readonly PeerTarget[];
      readonly payload: FailsafeHeartbeat;
    }
  | { readonly kind: 'pg.stop'; readonly stop: StopSpec }
  | { readonly kind: 'pg.start'; readonly start: StartOptions }
  | { readonly kind: 'pg.configure-follow'; readonly upstream: UpstreamMember | null }
  | { readonly kind: 'pg.check-divergence'; readonly leader: UpstreamMember }
  | { readonly kind: 'pg.checkpoint' }
  | { readonly kind: 'pg.set-synchronous-standby-names'; readonly value: string | null }
  | { readonly kind: 'pg.sync-slots'; readonly desired: DesiredSlots }
  | { readonly kind: 'pg.remove-data-directory'; readonly reason: string }
  | { readonly kind: 'callback'; readonly action: CallbackAction; readonly role: string }
  | { readonly kind: 'watchdog.activate' }
  | { readonly kind: 'watchdog.keepalive' }
  | { readonly kind: 'watchdog.disable' }
  | { readonly kind: 'action.start'; readonly name: string; readonly work: ActionWork }
  | { readonly kind: 'action.cancel' }
  /** Wait before a due scheduled action (at most loop_wait), or to let a winner create the key. */
  | { readonly kind: 'sleep'; readonly ms: number }
  /** Forget the scheduled restart (done, stale or cancelled). */
  | { readonly kind: 'scheduled-restart.clear' }
  | { readonly kind: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string };

export type EffectKind = Effect['kind'];

/** The result the executor returns for each effect kind. */
export interface EffectResults {
  'dcs.load-cluster': LoadedCluster;
  'dcs.acquire-leader': boolean;
  'dcs.renew-leader': boolean;
  'dcs.release-leader': boolean;
  'dcs.take-leader': boolean;
  'dcs.initialize': boolean;
  'dcs.cancel-initialization': boolean;
  'dcs.touch-member': boolean;
  'dcs.set-config': boolean;
  'dcs.set-failover': boolean;
  'dcs.write-sync': SyncState | null;
  'dcs.delete-sync': boolean;
  'dcs.set-history': boolean;
  /** Parsed JSON body per target (same order), null when unreachable / not 200 / not JSON. */
  'peers.fetch-status': readonly unknown[];
  /** Per target: answered 200 with body `Accepted`. */
  'peers.failsafe': readonly boolean[];
  'pg.stop': StopResult;
  'pg.start': OperationResult;
  'pg.configure-follow': 'unchanged' | 'reloaded' | 'restart-required';
  'pg.check-divergence': 'need' | 'not-need' | 'unknown';
  'pg.checkpoint': OperationResult;
  'pg.set-synchronous-standby-names': undefined;
  'pg.sync-slots': SlotSyncResult;
  'pg.remove-data-directory': OperationResult;
  callback: undefined;
  'watchdog.activate': boolean;
  'watchdog.keepalive': undefined;
  'watchdog.disable': undefined;
  'action.start': ActionStartResult;
  'action.cancel': boolean;
  sleep: undefined;
  'scheduled-restart.clear': undefined;
  log: undefined;
}

export type EffectOf<K extends EffectKind> = Extract<Effect, { kind: K }>;
export type EffectResult = EffectResults[EffectKind];

/** A step of the cycle: yields effects, receives their results, returns `T`. */
export type Step<T> = Generator<Effect, T, EffectResult>;

/** Yield one effect and receive its typed result. */
export function* perform<K extends EffectKind>(effect: EffectOf<K>): Step<EffectResults[K]> {
  const result = yield effect;
  return result as EffectResults[K];
}

/**
 * How the executor reports an effect that failed with an exception: thrown into the generator.
 * `dcs-unavailable`: the DCS could not be reached (ha-loop.md §10); `postgres`: a query/connection error.
 */
export class EffectFailure extends Error {
  readonly code = 'HA_EFFECT_FAILED';
  constructor(
    readonly source: 'dcs-unavailable' | 'postgres' | 'other',
    message: string,
  ) {
    super(message);
    this.name = 'EffectFailure';
  }
}
