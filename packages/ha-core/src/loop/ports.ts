import type { DynamicConfig } from '../config/types.js';
import type { Clock } from '../dcs/clock.js';
import type { Dcs, Logger } from '../dcs/dcs.js';
import type { Effect } from '../engine/effects.js';
import type { LocalSettings } from '../engine/types.js';
import type { PostgresPort } from '../ports/postgres.js';
import type { FailsafeHeartbeat } from '../ports/status.js';

/** How the loop talks to other members' REST APIs (ha-loop.md §14.1, §9). */
export interface PeerClient {
  /** GET `apiUrl` (a member's `/patroni`); the parsed JSON body on HTTP 200, else null. Aborted by `signal`. */
  fetchStatus(apiUrl: string, signal: AbortSignal): Promise<unknown>;
  /** POST `/failsafe` on the member whose `/patroni` URL is `apiUrl`; true iff HTTP 200 with body `Accepted`. */
  postFailsafe(apiUrl: string, payload: FailsafeHeartbeat, signal: AbortSignal): Promise<boolean>;
}

/** The watchdog device (ha-loop.md §14.3); absent means mode `off`. */
export interface WatchdogPort {
  /** The device can be used with the configured timeout (required mode refuses to race otherwise). */
  isUsable(): boolean;
  activate(): Promise<boolean>;
  keepalive(): Promise<void>;
  disable(): Promise<void>;
}

export interface HaLoopOptions {
  readonly dcs: Dcs;
  readonly postgres: PostgresPort;
  readonly peers: PeerClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly watchdog?: WatchdogPort;
  readonly local: LocalSettings;
  /** The dynamic config of the local `bootstrap.dcs` section, used until the DCS holds a valid one. */
  readonly bootstrapConfig: DynamicConfig;
  /** Uniform [0, 1); defaults to Math.random. Injected so the simulator stays deterministic. */
  readonly random?: () => number;
  /** Per-peer timeout for `GET /patroni` and `POST /failsafe` (ha-loop.md §16.2). Default 2000. */
  readonly peerTimeoutMs?: number;
  /** Sees every effect before it runs and every cycle's summary (transcripts, the simulator, debugging). */
  readonly trace?: (event: LoopTraceEvent) => void;
}

export type LoopTraceEvent =
  | { readonly kind: 'effect'; readonly effect: Effect }
  | { readonly kind: 'summary'; readonly summary: string };
