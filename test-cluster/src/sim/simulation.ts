import {
  type Cluster,
  type DynamicConfig,
  type KvSnapshot,
  parseCluster,
  parseDynamicConfig,
} from '@patroni/ha-core';
import { MemoryKvStore } from '@patroni/ha-core/testing';
import { type AckedCommit, Client } from './client.js';
import { FaultInjector } from './faults.js';
import { type ElectionView, InvariantChecker, type Violation } from './invariants.js';
import { leaderProblem, replicationProblem } from './liveness.js';
import { Network } from './network.js';
import { SimNode } from './node.js';
import { Operator } from './operator.js';
import { SimPeers } from './peers.js';
import { PgWorld } from './pg-world.js';
import { Prng } from './prng.js';
import { Replication } from './replication.js';
import {
  bootstrapDcs,
  describeScenario,
  drawScenario,
  type Scenario,
  type ScenarioOptions,
} from './scenario.js';
import { Scheduler } from './scheduler.js';
import { Trace } from './trace.js';

export interface RunOptions extends ScenarioOptions {
  /** Stop at the first violation (sweeps); false runs to the end (replays). */
  readonly stopOnViolation?: boolean;
  /** Include the engine's info/debug log lines in the trace. */
  readonly verbose?: boolean;
}

export interface RunResult {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly violations: readonly Violation[];
  readonly virtualMs: number;
  readonly events: number;
  readonly trace: Trace;
  readonly stats: {
    readonly cycles: number;
    readonly faults: number;
    readonly promotions: number;
    readonly commitsIssued: number;
    readonly commitsAcked: number;
    readonly agentErrors: number;
  };
}

const REPLICATION_TICK_MS = 250;
const CLIENT_TICK_MS = 500;
/** The client starts once the cluster has bootstrapped... */
const CLIENT_START_MS = 60_000;
/** ...and so do faults: a DCS outage between initdb and post_bootstrap strands a bootstrap (as in Patroni). */
const FAULTS_START_MS = 60_000;

/** One seeded run: bootstrap a cluster, inject faults, heal, check liveness; invariants after every event. */
export class Simulation {
  readonly scenario: Scenario;
  readonly scheduler = new Scheduler();
  readonly trace = new Trace(() => this.scheduler.nowMs);
  readonly network = new Network();
  readonly store: MemoryKvStore;
  readonly world: PgWorld;
  readonly nodes: SimNode[] = [];
  readonly checker = new InvariantChecker();
  readonly client: Client;
  readonly replication: Replication;
  readonly operator: Operator;
  readonly faults: FaultInjector;
  private readonly bootstrapConfig: DynamicConfig;
  private readonly failsafeRenewedAtMs = new Map<string, number>();
  private readonly leaseRenewedAtMs = new Map<string, number>();
  /** Whether each node's latest successful cluster read showed the cluster paused. */
  private readonly lastReadPaused = new Map<string, boolean>();
  private pauseParseCache: { version: string; paused: boolean } | null = null;
  private leaderEverHeld = false;
  private lastPausedAtMs = Number.NEGATIVE_INFINITY;
  private configCache: { version: string; config: DynamicConfig } | null = null;
  private agentErrors = 0;
  /** Acknowledged commits before this index are not checked again (a loss is reported once). */
  private forgivenAcked = 0;
  /** Acknowledged commits an operator's forced failover gave up: those its winner did not have. */
  private readonly forgivenCommitIds = new Set<number>();
  /** A forced failover's candidate won: its promotion may lose commits by the operator's choice. */
  private forcedWinner: string | null = null;

  constructor(
    readonly seed: number,
    private readonly options: RunOptions = {},
  ) {
    const prng = new Prng(seed);
    this.scenario = drawScenario(seed, prng.fork('scenario'), options);
    this.store = new MemoryKvStore({ clock: this.scheduler });
    this.world = new PgWorld(this.scheduler, this.network, this.trace, prng.fork('pg'));
    this.client = new Client(this.world, prng.fork('client'), (node) => this.holdsLease(node));
    this.replication = new Replication(this.world, (m, id) => this.client.acknowledged(m, id));
    this.operator = new Operator(this.store, prng.fork('operator'), this.trace);
    this.bootstrapConfig = parseDynamicConfig(bootstrapDcs(this.scenario)).config;
    const peers = new SimPeers(
      this.network,
      this.scheduler,
      (name) => this.nodes.find((n) => n.name === name) ?? null,
    );
    for (const spec of this.scenario.nodes) {
      const node = new SimNode(
        spec,
        {
          scheduler: this.scheduler,
          network: this.network,
          store: this.store,
          pgWorld: this.world,
          peers,
          trace: this.trace,
          bootstrapConfig: this.bootstrapConfig,
          bootstrapTiming: {
            ttlMs: this.bootstrapConfig.ttlMs,
            loopWaitMs: this.bootstrapConfig.loopWaitMs,
            retryTimeoutMs: this.bootstrapConfig.retryTimeoutMs,
          },
          watchdogTimeoutMs: () => Math.max(1_000, this.currentConfig().ttlMs - 5_000),
          verbose: options.verbose ?? false,
          timeText: (ms) => new Date(ms + 1_799_999_200_000).toISOString(),
          kvObserver: {
            beforeElection: () => parseCluster(this.store.snapshot()),
            elected: (name, before) => this.onElection(name, before as Cluster),
            leaseRenewed: (name) => this.leaseRenewedAtMs.set(name, this.scheduler.nowMs),
            clusterRead: (name, snapshot) => this.lastReadPaused.set(name, this.pausedIn(snapshot)),
            historyWritten: (name, value) => this.onHistory(name, value),
          },
          onCycle: (n, summary) => this.onCycle(n, summary),
          onAgentError: (n, error) => {
            this.agentErrors++;
            this.trace.add(
              n.name,
              `AGENT DIED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            );
            this.scheduler.schedule(5_000, () => n.startAgent());
          },
        },
        prng.fork(`node-${spec.name}`),
      );
      node.machine.onSessionsTerminated = (_m, dropped) => this.client.sessionsTerminated(dropped);
      this.nodes.push(node);
    }
    this.world.onPromotion = (event) => {
      this.checker.checkPromotion(event);
      if (this.strict()) {
        const machine = this.world.machine(event.node);
        if (this.forcedWinner === event.node) {
          this.forcedWinner = null;
          // Given up: what the winner lacks while another node still has it. The commits the winner has stay
          // protected, and one nobody has any more was lost before (still reported).
          const others = [...this.world.machines.values()].filter((m) => m !== machine);
          const given = this.protectedAcked().filter(
            (c) => !machine?.wal.contains(c.ref) && others.some((m) => m.wal.contains(c.ref)),
          );
          for (const commit of given) this.forgivenCommitIds.add(commit.commitId);
          this.trace.add(
            'check',
            `${given.length} acknowledged commit(s) given up by the operator's forced failover to ${event.node}`,
          );
        }
        const acked = this.protectedAcked();
        const before = this.checker.violations.length;
        if (machine)
          this.checker.checkNoAckedCommitLost(event.atMs, event.node, acked, (ref) =>
            machine.wal.contains(ref),
          );
        // Report a loss once, not again at every later promotion.
        if (this.checker.violations.length > before) this.forgivenAcked = this.client.acked.length;
      }
    };
    this.faults = new FaultInjector({
      scenario: this.scenario,
      scheduler: this.scheduler,
      prng: prng.fork('faults'),
      network: this.network,
      nodes: this.nodes,
      operator: this.operator,
      replication: this.replication,
      trace: this.trace,
      leaderName: () => this.store.get('leader')?.value ?? null,
    });
  }

  /** The node holds the leader key, or renewed its lease (DCS or failsafe) within ttl. */
  private holdsLease(node: string): boolean {
    if (this.store.get('leader')?.value === node) return true;
    const ttlMs = this.currentConfig().ttlMs;
    const fresh = (at: number | undefined): boolean => at !== undefined && this.scheduler.nowMs - at <= ttlMs;
    return fresh(this.leaseRenewedAtMs.get(node)) || fresh(this.failsafeRenewedAtMs.get(node));
  }

  /**
   * The commits invariant 2 protects: acknowledged by the rightful primary, and not given up by a forced
   * failover. A primary without a lease (paused cluster, or an invariant 1 violation, reported as such)
   * acknowledges nothing the cluster promised to keep.
   */
  private protectedAcked(): AckedCommit[] {
    return this.client.acked
      .slice(this.forgivenAcked)
      .filter((c) => c.byLeaseHolder && !this.forgivenCommitIds.has(c.commitId));
  }

  private strict(): boolean {
    return this.scenario.syncProfile === 'strict' || this.scenario.syncProfile === 'quorum';
  }

  private currentConfig(): DynamicConfig {
    const node = this.store.get('config');
    if (!node) return this.bootstrapConfig;
    if (this.configCache?.version !== node.version) {
      let raw: unknown = {};
      try {
        raw = JSON.parse(node.value);
      } catch {
        raw = {};
      }
      this.configCache = {
        version: node.version,
        config: parseDynamicConfig(raw, this.bootstrapConfig).config,
      };
    }
    return this.configCache.config;
  }

  private pausedIn(snapshot: KvSnapshot): boolean {
    const node = snapshot.nodes.find((n) => n.key === 'config');
    if (!node) return false;
    if (this.pauseParseCache?.version !== node.version) {
      let raw: unknown = {};
      try {
        raw = JSON.parse(node.value);
      } catch {
        raw = {};
      }
      this.pauseParseCache = {
        version: node.version,
        paused: parseDynamicConfig(raw, this.bootstrapConfig).config.paused,
      };
    }
    return this.pauseParseCache.paused;
  }

  private onElection(name: string, before: Cluster): void {
    const config = before.config?.modifyVersion
      ? parseDynamicConfig(before.config.data, this.bootstrapConfig).config
      : this.bootstrapConfig;
    const spec = this.scenario.nodes.find((n) => n.name === name);
    const failover =
      before.failover && (before.failover.leader || before.failover.candidate) ? before.failover : null;
    const view: ElectionView = {
      atMs: this.scheduler.nowMs,
      node: name,
      nofailover: Boolean(spec?.nofailover || spec?.failoverPriority === 0),
      paused: config.paused,
      synchronousMode: config.synchronousMode,
      sync: before.sync.leader
        ? {
            leader: before.sync.leader.toLowerCase(),
            standbys: before.sync.syncStandbys.map((s) => s.toLowerCase()),
          }
        : null,
      failover: failover ? { leader: failover.leader, member: failover.candidate } : null,
      statusOptime: before.status.lastLsn,
      walEndLsn: this.world.machine(name)?.wal.endLsn ?? 0,
      maximumLagOnFailoverBytes: config.maximumLagOnFailoverBytes,
    };
    this.trace.add(
      name,
      `ELECTED leader (sync=${JSON.stringify(view.sync)} failover=${JSON.stringify(view.failover)} optime=${view.statusOptime} wal=${view.walEndLsn})`,
    );
    this.checker.checkElection(view);
    // A manual failover (`/failover` names a member but no leader) to an async node, or to any node in
    // quorum mode, promotes the candidate as it is: the operator's choice in Patroni (patronictl asks "Are
    // you sure you want to failover to the asynchronous node"). Even when a live leader hands over, it checks
    // only that the candidate is within maximum_lag_on_failover (ha.py get_failover_candidates: "in
    // synchronous mode we allow failover (not switchover!) to async node"), so a candidate that was not
    // streaming lacks the last commits. A /sync standby of FIRST-n mode has them all.
    const manual = view.failover?.member === name && !view.failover.leader;
    const inSync =
      view.sync?.leader === name.toLowerCase() || view.sync?.standbys.includes(name.toLowerCase());
    // Each election decides anew: a forced winner that never promoted excuses nothing later.
    this.forcedWinner = manual && (view.synchronousMode === 'quorum' || !inSync) ? name : null;
  }

  private onHistory(name: string, value: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = null;
    }
    const entries = Array.isArray(parsed)
      ? parsed.filter(Array.isArray).map((e) => [Number(e[0]), Number(e[1])] as const)
      : [];
    this.trace.add(name, `wrote /history ${value}`);
    this.checker.checkHistory(this.scheduler.nowMs, name, entries, this.world.promotions);
  }

  private onCycle(node: SimNode, summary: string): void {
    if (summary.includes('continue to run as a leader because failsafe mode is enabled')) {
      this.failsafeRenewedAtMs.set(node.name, this.scheduler.nowMs);
    }
  }

  /** Invariant 1 after every event. */
  private checkWriters(): void {
    const holder = this.store.get('leader')?.value ?? null;
    if (holder) this.leaderEverHeld = true;
    const config = this.currentConfig();
    if (config.paused) this.lastPausedAtMs = this.scheduler.nowMs;
    const writers: string[] = [];
    const pausedWriters = new Set<string>();
    for (const node of this.nodes) {
      if (!node.machine.acceptingWrites) continue;
      writers.push(node.name);
      // Its agent still believes the cluster is paused: pause tolerates a primary without the key.
      if (this.lastReadPaused.get(node.name)) pausedWriters.add(node.name);
    }
    if (writers.length === 0) return;
    this.checker.checkWriters({
      nowMs: this.scheduler.nowMs,
      ttlMs: config.ttlMs,
      exempt:
        !this.leaderEverHeld ||
        this.scheduler.nowMs - this.lastPausedAtMs <= config.ttlMs + config.loopWaitMs,
      writers,
      pausedWriters,
      keyHolder: holder,
      failsafeRenewedAtMs: this.failsafeRenewedAtMs,
      leaseRenewedAtMs: this.leaseRenewedAtMs,
    });
  }

  private startBackground(): void {
    const tick = (periodMs: number, run: () => void): void => {
      this.scheduler.schedule(periodMs, () => {
        run();
        tick(periodMs, run);
      });
    };
    tick(REPLICATION_TICK_MS, () => this.replication.tick());
    this.scheduler.schedule(CLIENT_START_MS, () => tick(CLIENT_TICK_MS, () => this.client.writeOnce()));
  }

  private injectBrokenRule(): void {
    if (this.scenario.brokenRule !== 'rogue-promote') return;
    this.scheduler.schedule(this.scenario.chaosMs / 2, () => {
      const replica = [...this.world.machines.values()].find((m) => m.process === 'running' && m.inRecovery);
      if (!replica) return;
      this.trace.add(replica.name, 'BROKEN RULE: promoting without the leader key');
      void replica.promote();
    });
  }

  /** Invariant 7: after healing, a single lease-holding writer appears, then everyone streams from it. */
  private scheduleLivenessChecks(): void {
    const s = this.scenario;
    const healAtMs = s.chaosMs;
    const leaderDeadlineMs = healAtMs + (s.ttlS + 2 * s.loopWaitS + s.retryTimeoutS) * 1000 + 10_000;
    const replicationDeadlineMs = leaderDeadlineMs + 90_000;
    this.scheduler.schedule(healAtMs, () => this.faults.healAll());
    this.scheduler.schedule(healAtMs + 1, () => {
      if (this.currentConfig().paused) this.operator.pause(false);
    });
    this.scheduler.schedule(leaderDeadlineMs, () =>
      this.checker.checkLiveness(
        this.scheduler.nowMs,
        leaderProblem(this.store, this.world, this.scheduler.nowMs - this.scenario.chaosMs),
      ),
    );
    this.scheduler.schedule(replicationDeadlineMs, () =>
      this.checker.checkLiveness(
        this.scheduler.nowMs,
        leaderProblem(this.store, this.world, this.scheduler.nowMs - this.scenario.chaosMs) ??
          replicationProblem(this.store, this.world),
      ),
    );
  }

  /** Invariant 2 at the end: the final leader has every acknowledged commit (acks after the last promotion too). */
  private checkFinalLeaderHasAckedCommits(): void {
    const holder = this.store.get('leader')?.value;
    const machine = holder ? this.world.machine(holder) : null;
    if (!this.strict() || !machine?.acceptingWrites) return;
    this.checker.checkNoAckedCommitLost(this.scheduler.nowMs, machine.name, this.protectedAcked(), (ref) =>
      machine.wal.contains(ref),
    );
  }

  async run(): Promise<RunResult> {
    const s = this.scenario;
    this.trace.add('sim', describeScenario(s));
    for (const node of this.nodes) {
      const offsetMs = this.nodes.indexOf(node) * 300;
      this.scheduler.schedule(offsetMs, () => node.startAgent());
    }
    this.startBackground();
    this.faults.start(FAULTS_START_MS);
    this.injectBrokenRule();
    this.scheduleLivenessChecks();
    const endMs = s.chaosMs + s.settleMs;
    const stopOnViolation = this.options.stopOnViolation ?? true;
    await this.scheduler.runUntil(endMs, () => {
      this.checkWriters();
      return stopOnViolation && this.checker.violations.length > 0 ? 'stop' : undefined;
    });
    this.checkFinalLeaderHasAckedCommits();
    for (const node of this.nodes) node.killAgent();
    for (const v of this.checker.violations) {
      this.trace.add(
        'check',
        `VIOLATION of invariant ${v.invariant}${v.node ? ` (${v.node})` : ''}: ${v.message}`,
      );
    }
    return {
      seed: this.seed,
      scenario: s,
      violations: this.checker.violations,
      virtualMs: this.scheduler.nowMs,
      events: this.scheduler.eventsRun,
      trace: this.trace,
      stats: {
        cycles: this.nodes.reduce((sum, n) => sum + n.cycles, 0),
        faults: this.faults.faultsInjected,
        promotions: this.world.promotions.length,
        commitsIssued: this.client.issued,
        commitsAcked: this.client.acked.length,
        agentErrors: this.agentErrors,
      },
    };
  }
}

export function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  return new Simulation(seed, options).run();
}
