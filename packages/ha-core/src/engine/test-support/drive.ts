import type { DynamicConfig } from '../../config/types.js';
import { parseTags, publishedTags } from '../../model/tags.js';
import type { SyncState } from '../../model/types.js';
import type { PostgresObservation } from '../../ports/postgres.js';
import { runCycle } from '../cycle.js';
import {
  type Effect,
  EffectFailure,
  type EffectKind,
  type EffectOf,
  type EffectResult,
  type EffectResults,
} from '../effects.js';
import {
  type CycleInput,
  type CycleOutcome,
  type FinishedAction,
  type HaState,
  initialHaState,
  type LocalSettings,
  type ReceivedFailsafe,
  type RunningAction,
  type ScheduledRestart,
} from '../types.js';
import type { ClusterBuilder } from './cluster-builder.js';
import { formatEffect } from './format-effect.js';
import { pgReplica } from './postgres-builder.js';

type Response<K extends EffectKind> =
  | EffectResults[K]
  | EffectFailure
  | ((effect: EffectOf<K>, call: number) => EffectResults[K] | EffectFailure);

export type Responses = { [K in EffectKind]?: Response<K> };

export interface CycleSetup {
  readonly me: string;
  readonly cluster: ClusterBuilder;
  /** Snapshot returned by reloads after the first load (e.g. the winner's key appeared). */
  readonly reloaded?: ClusterBuilder;
  readonly pg?: PostgresObservation;
  readonly state?: Partial<HaState>;
  readonly local?: Partial<LocalSettings>;
  readonly tags?: Record<string, unknown>;
  readonly respond?: Responses;
  /** `/patroni` bodies by member name (null: unreachable); default: derived from the member keys. */
  readonly peers?: Record<string, unknown>;
  readonly action?: RunningAction | null;
  readonly finished?: FinishedAction | null;
  readonly nowMs?: number;
  readonly rewindUsable?: boolean;
  readonly watchdogUsable?: boolean;
  readonly failsafeReceived?: ReceivedFailsafe | null;
  readonly scheduledRestart?: ScheduledRestart | null;
  readonly random?: number;
}

export interface CycleRun {
  readonly outcome: CycleOutcome;
  readonly summary: string;
  readonly effects: readonly Effect[];
  /** `formatEffect` of every effect, logs included. */
  readonly lines: readonly string[];
  /** Lines without `log`, member touches and the cycle's first load. */
  readonly actions: readonly string[];
}

export const NOW_MS = 1_700_000_000_000;

export function localSettings(
  name: string,
  tags: Record<string, unknown> = {},
  overrides: Partial<LocalSettings> = {},
): LocalSettings {
  return {
    name,
    scope: 'batman',
    patroniVersion: '4.1.4',
    tags: parseTags(tags),
    publishedTags: publishedTags(tags),
    connUrl: `postgres://${name}:5432/postgres`,
    apiUrl: `http://${name}:8008/patroni`,
    proxyUrl: null,
    hasBootstrapSection: true,
    canCreateReplicaWithoutLeader: false,
    removeDataDirectoryOnRewindFailure: false,
    removeDataDirectoryOnDivergedTimelines: false,
    watchdogMode: 'off',
    ...overrides,
  };
}

/** The `/patroni` body a member would answer, from its member key. */
export function peerBodyFromMember(data: Record<string, unknown>): unknown {
  const lsn = typeof data.xlog_location === 'number' ? data.xlog_location : 0;
  const primary = data.role === 'primary' || data.role === 'master';
  return {
    state: data.state,
    role: data.role,
    timeline: data.timeline,
    tags: data.tags ?? {},
    xlog: primary ? { location: lsn } : { received_location: lsn, replayed_location: lsn },
  };
}

function defaultResult(
  setup: CycleSetup,
  effect: Effect,
  loads: number,
  config: DynamicConfig,
): EffectResult {
  switch (effect.kind) {
    case 'dcs.load-cluster': {
      const builder = loads > 0 && setup.reloaded ? setup.reloaded : setup.cluster;
      return { cluster: builder.build(), config: builder.config() ?? config };
    }
    case 'dcs.write-sync': {
      const written: SyncState = {
        version: 'sync-2',
        leader: effect.leader,
        syncStandbys: effect.standbys,
        quorum: effect.quorum ?? 0,
      };
      return written;
    }
    case 'peers.fetch-status':
      return effect.targets.map((t) => {
        if (setup.peers && t.name in setup.peers) return setup.peers[t.name] ?? null;
        const data = setup.cluster.memberData(t.name);
        return data ? peerBodyFromMember(data) : null;
      });
    case 'peers.failsafe':
      return effect.targets.map(() => true);
    case 'pg.stop':
      return { ok: true, checkpointLsn: null };
    case 'pg.start':
    case 'pg.checkpoint':
    case 'pg.remove-data-directory':
      return { ok: true };
    case 'pg.configure-follow':
      return 'unchanged';
    case 'pg.check-divergence':
      return 'not-need';
    case 'pg.sync-slots':
      return { copy: [] };
    case 'action.start':
      return { started: true };
    case 'dcs.acquire-leader':
    case 'dcs.renew-leader':
    case 'dcs.release-leader':
    case 'dcs.take-leader':
    case 'dcs.initialize':
    case 'dcs.cancel-initialization':
    case 'dcs.touch-member':
    case 'dcs.set-config':
    case 'dcs.set-failover':
    case 'dcs.delete-sync':
    case 'dcs.set-history':
    case 'watchdog.activate':
    case 'action.cancel':
      return true;
    default:
      return undefined;
  }
}

export function cycleInput(setup: CycleSetup): CycleInput {
  return {
    nowMs: setup.nowMs ?? NOW_MS,
    random: setup.random ?? 0,
    local: localSettings(setup.me, setup.tags, setup.local),
    state: { ...initialHaState(), role: 'replica', startCallbackDone: true, ...setup.state },
    config: setup.cluster.config(),
    postgres: setup.pg ?? pgReplica(),
    rewindUsable: setup.rewindUsable ?? false,
    watchdogUsable: setup.watchdogUsable ?? true,
    action: setup.action ?? null,
    finishedAction: setup.finished ?? null,
    failsafeReceived: setup.failsafeReceived ?? null,
    scheduledRestart: setup.scheduledRestart ?? null,
  };
}

const BOOKKEEPING = new Set<EffectKind>(['log', 'dcs.touch-member']);

/** Runs one cycle, answering effects from `setup.respond` or the defaults; errors are thrown into the cycle. */
export function runOneCycle(setup: CycleSetup): CycleRun {
  const input = cycleInput(setup);
  const generator = runCycle(input);
  const effects: Effect[] = [];
  const calls = new Map<EffectKind, number>();
  let loads = 0;
  let step = generator.next();
  while (!step.done) {
    const effect = step.value;
    effects.push(effect);
    const call = calls.get(effect.kind) ?? 0;
    calls.set(effect.kind, call + 1);
    const override = setup.respond?.[effect.kind] as Response<typeof effect.kind> | undefined;
    let result: EffectResult | EffectFailure;
    if (override === undefined) result = defaultResult(setup, effect, loads, input.config);
    else if (typeof override === 'function')
      result = (override as (e: Effect, c: number) => EffectResult)(effect, call);
    else result = override as EffectResult | EffectFailure;
    if (effect.kind === 'dcs.load-cluster') loads++;
    step = result instanceof EffectFailure ? generator.throw(result) : generator.next(result);
  }
  const lines = effects.map(formatEffect);
  return {
    outcome: step.value,
    summary: step.value.summary,
    effects,
    lines,
    actions: effects.filter((e, i) => i > 0 && !BOOKKEEPING.has(e.kind)).map(formatEffect),
  };
}

export const dcsDown = (): EffectFailure => new EffectFailure('dcs-unavailable', 'etcd is not reachable');
