import type { Prng } from './prng.js';

export type SyncProfile = 'off' | 'on' | 'strict' | 'quorum';

export interface SimNodeSpec {
  readonly name: string;
  readonly nofailover: boolean;
  /** 0 means "never promote" just like nofailover. */
  readonly failoverPriority: number;
}

/** Everything a run is, derived from its seed (and the CLI's length options). */
export interface Scenario {
  readonly seed: number;
  readonly nodes: readonly SimNodeSpec[];
  readonly ttlS: number;
  readonly loopWaitS: number;
  readonly retryTimeoutS: number;
  readonly syncProfile: SyncProfile;
  readonly failsafeMode: boolean;
  readonly maximumLagOnFailoverBytes: number;
  readonly primaryStartTimeoutS: number;
  /** Faults and operator actions happen during this much virtual time... */
  readonly chaosMs: number;
  /** ...then everything heals and the run goes on this long, checking liveness. */
  readonly settleMs: number;
  readonly meanFaultGapMs: number;
  readonly maxConcurrentFaults: number;
  /** Test-only: break a rule on purpose so the invariants can be seen to fail. */
  readonly brokenRule: 'rogue-promote' | null;
}

export interface ScenarioOptions {
  readonly chaosMs?: number;
  readonly settleMs?: number;
  readonly brokenRule?: Scenario['brokenRule'];
}

export function drawScenario(seed: number, prng: Prng, options: ScenarioOptions = {}): Scenario {
  const count = prng.int(3, 7);
  const nodes: SimNodeSpec[] = [];
  for (let i = 1; i <= count; i++) {
    // Node 1 always may be promoted, so the cluster can bootstrap and fail over.
    const restricted = i > 1 && prng.chance(0.15);
    const zeroPriority = restricted && prng.chance(0.5);
    nodes.push({
      name: `pg${i}`,
      nofailover: restricted && !zeroPriority,
      failoverPriority: zeroPriority ? 0 : prng.int(1, 3),
    });
  }
  const timing = prng.pick([
    [30, 10, 10],
    [30, 10, 10],
    [20, 5, 5],
    [25, 5, 8],
  ] as const);
  return {
    seed,
    nodes,
    ttlS: timing[0],
    loopWaitS: timing[1],
    retryTimeoutS: timing[2],
    syncProfile: prng.weighted<SyncProfile>([
      ['off', 3],
      ['on', 2],
      ['strict', 3],
      ['quorum', 1],
    ]),
    failsafeMode: prng.chance(0.3),
    maximumLagOnFailoverBytes: prng.pick([1_048_576, 262_144, 65_536]),
    primaryStartTimeoutS: prng.pick([300, 30, 0]),
    chaosMs: options.chaosMs ?? 10 * 60_000,
    settleMs: options.settleMs ?? 3 * 60_000,
    meanFaultGapMs: prng.int(10_000, 40_000),
    maxConcurrentFaults: prng.int(1, 3),
    brokenRule: options.brokenRule ?? null,
  };
}

export function describeScenario(s: Scenario): string {
  const nodes = s.nodes
    .map((n) => `${n.name}${n.nofailover ? '(nofailover)' : n.failoverPriority === 0 ? '(priority 0)' : ''}`)
    .join(',');
  return (
    `seed=${s.seed} nodes=${nodes} ttl=${s.ttlS} loop_wait=${s.loopWaitS} retry_timeout=${s.retryTimeoutS} ` +
    `sync=${s.syncProfile} failsafe=${s.failsafeMode} max_lag=${s.maximumLagOnFailoverBytes} ` +
    `primary_start_timeout=${s.primaryStartTimeoutS}`
  );
}

/** The `bootstrap.dcs` section every node of the run is configured with. */
export function bootstrapDcs(s: Scenario): Record<string, unknown> {
  return {
    ttl: s.ttlS,
    loop_wait: s.loopWaitS,
    retry_timeout: s.retryTimeoutS,
    maximum_lag_on_failover: s.maximumLagOnFailoverBytes,
    primary_start_timeout: s.primaryStartTimeoutS,
    synchronous_mode: s.syncProfile === 'quorum' ? 'quorum' : s.syncProfile !== 'off',
    synchronous_mode_strict: s.syncProfile === 'strict' || s.syncProfile === 'quorum',
    failsafe_mode: s.failsafeMode,
    postgresql: { use_pg_rewind: true, use_slots: true },
  };
}
