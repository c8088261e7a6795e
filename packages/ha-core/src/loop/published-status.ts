import type { DynamicConfig } from '../config/types.js';
import type { HaState, LocalSettings, ScheduledRestart } from '../engine/types.js';
import type { PostgresObservation, PostgresState } from '../ports/postgres.js';
import type { PublishedStatus } from '../ports/status.js';

export interface StatusParts {
  readonly local: LocalSettings;
  readonly state: HaState;
  readonly config: DynamicConfig;
  readonly observation: PostgresObservation | null;
  readonly actionName: string | null;
  readonly summary: string;
  readonly scheduledRestart: ScheduledRestart | null;
  readonly watchdogFailed: boolean;
  readonly nextRunAtMs: number;
}

/** What REST handlers read: a frozen view of the last cycle (STYLE.md 5). */
export function buildPublishedStatus(parts: StatusParts): PublishedStatus {
  const { local, state, config } = parts;
  return Object.freeze({
    scope: local.scope,
    name: local.name,
    patroniVersion: local.patroniVersion,
    role: state.role,
    state: state.publishedPgState as PostgresState,
    cluster: state.cluster,
    dcsLastSeenMs: state.dcsLastSeenMs,
    leaderUntilMs: state.leaderExpiryMs,
    dynamicConfig: config.raw,
    timing: { ttlMs: config.ttlMs, loopWaitMs: config.loopWaitMs, retryTimeoutMs: config.retryTimeoutMs },
    paused: config.paused,
    tags: local.publishedTags,
    failsafeActive: state.failsafeActiveSinceMs > 0,
    watchdogFailed: parts.watchdogFailed,
    scheduledRestart: parts.scheduledRestart?.raw ?? null,
    postgres: parts.observation,
    asyncAction: parts.actionName,
    lastSummary: parts.summary,
    apiUrl: local.apiUrl,
    connUrl: local.connUrl,
    nextRunAtMs: parts.nextRunAtMs,
  });
}
