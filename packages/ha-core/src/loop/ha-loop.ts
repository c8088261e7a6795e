import { parseDynamicConfig } from '../config/parse-dynamic-config.js';
import type { DynamicConfig } from '../config/types.js';
import { planReinitialize } from '../engine/commands.js';
import { runCycle } from '../engine/cycle.js';
import { EffectFailure, type LoadedCluster } from '../engine/effects.js';
import { EMPTY_CLUSTER } from '../engine/empty-cluster.js';
import { restartFilterFailure } from '../engine/scheduled-restart.js';
import {
  type CycleInput,
  type CycleOutcome,
  type HaState,
  initialHaState,
  type ReceivedFailsafe,
  type ScheduledRestart,
} from '../engine/types.js';
import type { Cluster, KeyVersion, MemberData } from '../model/types.js';
import type { PostgresObservation } from '../ports/postgres.js';
import type { CommandResult, FailsafeHeartbeat, PublishedStatus } from '../ports/status.js';
import { ActionRunner } from './action-runner.js';
import { type ExecutorPorts, executeEffect } from './effect-executor.js';
import { HaFatalError } from './errors.js';
import type { HaLoopOptions } from './ports.js';
import { buildPublishedStatus } from './published-status.js';
import {
  earlyLeaderRelease,
  type ReleasePorts,
  releaseAfterStop,
  releaseSyncStandby,
} from './stop-release.js';

/**
 * The HA loop (ha-loop.md §1): runs the pure engine's cycle every loop_wait, executes its effects in order
 * through the injected ports, runs one long action in the background, publishes a status after every cycle.
 * All waiting goes through `clock.sleep` / `dcs.watch`, so a ManualClock drives it deterministically.
 */
export class HaLoop {
  private state: HaState = initialHaState();
  private config: DynamicConfig;
  private appliedConfigVersion: KeyVersion | 0 = 0;
  private cluster: Cluster = EMPTY_CLUSTER;
  private observation: PostgresObservation | null = null;
  private failsafeReceived: ReceivedFailsafe | null = null;
  private scheduledRestart: ScheduledRestart | null = null;
  private status: PublishedStatus;
  private readonly listeners = new Set<(status: PublishedStatus) => void>();
  private stopping = false;
  /** `/config`'s `postgresql` section changed since PostgreSQL was last reloaded. */
  private postgresConfigChanged = false;
  private running: Promise<void> | null = null;
  private nextRunAtMs = 0;
  private readonly actions: ActionRunner;
  private readonly executor: ExecutorPorts;
  private readonly releasePorts: ReleasePorts;
  /** The member key data last written (the `nosync` release republishes it with `nosync: true`). */
  private memberData: MemberData | null = null;

  constructor(private readonly options: HaLoopOptions) {
    this.config = options.bootstrapConfig;
    this.releasePorts = {
      dcs: options.dcs,
      clock: options.clock,
      logger: options.logger,
      me: options.local.name,
      config: () => this.config,
      fetchPeers: async (targets) => {
        const bodies = await executeEffect(this.executor, { kind: 'peers.fetch-status', targets });
        return Array.isArray(bodies) ? bodies : [];
      },
    };
    this.actions = new ActionRunner({
      postgres: options.postgres,
      dcs: options.dcs,
      clock: options.clock,
      logger: options.logger,
      startTimeoutMs: () => this.config.primaryStartTimeoutMs,
      release: this.releasePorts,
      beforeReplicaRestart: () => this.releaseSyncIfEnabled(),
    });
    this.executor = {
      dcs: options.dcs,
      postgres: options.postgres,
      peers: options.peers,
      clock: options.clock,
      logger: options.logger,
      watchdog: options.watchdog ?? null,
      actions: this.actions,
      peerTimeoutMs: options.peerTimeoutMs ?? 2000,
      loadCluster: () => this.loadCluster(),
      lastCluster: () => this.cluster,
      clearScheduledRestart: () => {
        this.scheduledRestart = null;
      },
    };
    this.status = this.buildStatus('');
  }

  /** The dynamic configuration in effect (from the DCS, or the local bootstrap one until the DCS holds one). */
  getDynamicConfig(): DynamicConfig {
    return this.config;
  }

  getStatus(): PublishedStatus {
    return this.status;
  }

  /** Called with the new status after every cycle; returns an unsubscribe function. */
  onStatus(listener: (status: PublishedStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Bring the next cycle forward (REST commands, finished actions). */
  wake(): void {
    this.options.dcs.wake();
  }

  /** `POST /failsafe` from a primary during a DCS outage (ha-loop.md §9, receiver side). */
  receiveFailsafe(payload: FailsafeHeartbeat): CommandResult {
    if (!this.config.failsafeMode) return { status: 502, body: '', errorPage: true };
    const query = this.observation?.query;
    if (this.observation?.postmasterRunning && query && !query.inRecovery) {
      return { status: 500, body: 'Running as a leader' };
    }
    this.failsafeReceived = { payload, receivedAtMs: this.options.clock.now() };
    const lsn = query ? Math.max(query.receivedLsn, query.replayedLsn) : 0;
    return { status: 200, body: 'Accepted', headers: { lsn: String(lsn) } };
  }

  /** Store (or clear) a scheduled restart; it is evaluated after the main branch of each cycle. */
  setScheduledRestart(restart: ScheduledRestart | null): void {
    this.scheduledRestart = restart;
    this.wake();
  }

  /**
   * `POST /reinitialize` (rest-api.md §13): refusals from the last snapshot, else the `reinitialize` action
   * starts in the background (`force` cancels a running action first).
   */
  async reinitialize(request: { force: boolean; fromLeader: boolean }): Promise<CommandResult> {
    const running = this.actions.current()?.name ?? null;
    const plan = planReinitialize({
      cluster: this.cluster,
      me: this.options.local.name,
      config: this.config,
      random: (this.options.random ?? Math.random)(),
      runningAction: request.force ? null : running,
      fromLeader: request.fromLeader,
    });
    if (!plan.ok) return { status: plan.status, body: plan.message };
    if (running) await this.actions.cancel();
    const started = this.actions.start(plan.name, plan.work);
    if (!started.started) return { status: 503, body: `${started.running} already in progress` };
    this.wake();
    return { status: 200, body: 'reinitialize started' };
  }

  /**
   * Immediate `POST /restart` (rest-api.md §12): checked now, then run by the next cycle (which picks the
   * upstream and the start timeout) and awaited.
   */
  async restartNow(
    filters: Omit<ScheduledRestart, 'atMs' | 'raw' | 'postmasterStartTime'>,
  ): Promise<CommandResult> {
    const observation = this.observation;
    if (!observation) return { status: 503, body: 'restart failed' };
    if (
      restartFilterFailure({ role: this.state.role, observation }, { ...filters, postmasterStartTime: null })
    ) {
      return { status: 503, body: 'restart conditions are not satisfied' };
    }
    const running = this.actions.current();
    if (running) return { status: 503, body: `${running.name} already in progress` };
    const nextCycle = new Promise<PublishedStatus>((resolve) => {
      // The cycle that consumed the request cleared it; earlier publishes are from cycles that did not see it.
      const unsubscribe = this.onStatus((status) => {
        if (this.scheduledRestart !== null) return;
        unsubscribe();
        resolve(status);
      });
    });
    this.setScheduledRestart({
      ...filters,
      atMs: this.options.clock.now(),
      raw: {},
      postmasterStartTime: null,
    });
    const status = await nextCycle;
    if (status.lastSummary !== 'restart initiated') return { status: 503, body: 'restart failed' };
    const result = await this.actions.settle();
    if (result?.ok) return { status: 200, body: 'restarted successfully' };
    return {
      status: 503,
      body: this.observation?.state === 'starting' ? 'postgres is still starting' : 'restart failed',
    };
  }

  /** Starts cycling; the promise settles when `stop()` completes or rejects on a fatal condition. */
  start(): Promise<void> {
    if (!this.running) this.running = this.loop();
    return this.running;
  }

  /** Runs one HA cycle now (tests, the simulator). */
  async runOnce(): Promise<CycleOutcome> {
    const { postgres, clock, logger } = this.options;
    const nowMs = clock.now();
    try {
      this.observation = await postgres.observe();
    } catch (error) {
      // No observation, no decision: the next cycle tries again (Patroni's PostgresConnectionException).
      logger.error(
        `Error communicating with PostgreSQL: ${error instanceof Error ? error.message : String(error)}`,
      );
      const summary = 'Error communicating with PostgreSQL. Will try again later';
      this.publish(summary);
      return { state: this.state, summary, config: this.config, dcsFailed: false, fatal: null };
    }
    const rewindUsable = await postgres.canRewind().catch(() => false);
    const input: CycleInput = {
      nowMs,
      random: (this.options.random ?? Math.random)(),
      local: this.options.local,
      state: this.state,
      config: this.config,
      postgres: this.observation,
      rewindUsable,
      watchdogUsable: this.options.watchdog?.isUsable() ?? true,
      action: this.actions.current(),
      finishedAction: this.actions.takeFinished(),
      failsafeReceived: this.failsafeReceived,
      scheduledRestart: this.scheduledRestart,
    };
    const cycle = runCycle(input);
    let step = cycle.next();
    while (!step.done) {
      this.options.trace?.({ kind: 'effect', effect: step.value });
      if (step.value.kind === 'dcs.touch-member') this.memberData = step.value.data;
      const result = await executeEffect(this.executor, step.value);
      step = result instanceof EffectFailure ? cycle.throw(result) : cycle.next(result);
    }
    const outcome = step.value;
    this.state = outcome.state;
    this.config = outcome.config;
    logger.info(outcome.summary);
    this.options.trace?.({ kind: 'summary', summary: outcome.summary });
    this.publish(outcome.summary);
    // Only await when there is work: an extra await would reorder same-instant events for everyone.
    if (this.postgresConfigChanged) await this.reloadPostgresIfConfigChanged();
    return outcome;
  }

  /** Stops cycling at once without touching Postgres or the DCS, as if the agent was killed (simulator). */
  async halt(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running?.catch(() => undefined);
  }

  /** Patroni's shutdown (ha-loop.md §12.4): stop Postgres, then release the key; paused: leave both. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running?.catch(() => undefined);
    const { postgres, dcs, watchdog, logger, clock } = this.options;
    if (this.config.paused) {
      await watchdog?.disable();
      return;
    }
    await this.actions.cancel();
    const stopTimeoutMs =
      this.config.synchronousMode !== 'off' && this.config.primaryStopTimeoutMs > 0
        ? this.config.primaryStopTimeoutMs
        : null;
    const holdsKey =
      this.cluster.leader?.name === this.options.local.name && this.state.leaderExpiryMs > clock.now();
    if (!holdsKey) await this.releaseSyncIfEnabled();
    const early = holdsKey ? earlyLeaderRelease(this.releasePorts) : null;
    const stopped = await postgres.stop({
      mode: 'fast',
      checkpoint: false,
      timeoutMs: stopTimeoutMs,
      ...(early ? { onShutdownCheckpoint: early.onShutdownCheckpoint } : {}),
    });
    await watchdog?.disable();
    if (!stopped.ok) {
      early?.stopEnded();
      logger.error(
        `PostgreSQL could not be stopped (${stopped.error ?? 'unknown error'}); keeping the leader key`,
      );
      return;
    }
    if (holdsKey) {
      await releaseAfterStop({ dcs, logger }, early, stopped.checkpointLsn ?? undefined);
      this.state = { ...this.state, leaderExpiryMs: 0, role: 'demoted' };
    }
    this.publish(this.status.lastSummary);
  }

  /** The `nosync` release of a synchronous standby (ha-loop.md §11.2), when synchronous mode is on. */
  private async releaseSyncIfEnabled(): Promise<void> {
    if (this.config.synchronousMode === 'off' || this.config.standbyCluster !== null) return;
    await releaseSyncStandby(this.releasePorts, this.memberData, this.config.loopWaitMs);
  }

  private async loop(): Promise<void> {
    const { clock, dcs, logger, local } = this.options;
    let nextRunMs = clock.now();
    while (!this.stopping) {
      const outcome = await this.runOnce();
      if (outcome.fatal) throw new HaFatalError(outcome.fatal);
      if (this.stopping) break;
      nextRunMs += this.config.loopWaitMs;
      const nowMs = clock.now();
      if (nextRunMs <= nowMs) {
        logger.info('Loop time exceeded, rescheduling immediately.');
        nextRunMs = nowMs;
        continue;
      }
      this.nextRunAtMs = nextRunMs;
      this.publish(outcome.summary);
      const leader = this.cluster.leader;
      const watchLeader = !this.actions.current() && leader?.name && leader.name !== local.name;
      if (await dcs.watch(watchLeader ? leader.version : null, nextRunMs - nowMs)) nextRunMs = clock.now();
    }
  }

  /** Reads the DCS and applies a changed, valid `/config` (ha-loop.md §3 step 1). */
  private async loadCluster(): Promise<LoadedCluster> {
    const { dcs, logger } = this.options;
    const cluster = await dcs.loadCluster();
    this.cluster = cluster;
    const modifyVersion = cluster.config?.modifyVersion ?? 0;
    if (cluster.config && modifyVersion && modifyVersion !== this.appliedConfigVersion) {
      const parsed = parseDynamicConfig(cluster.config.data, this.config);
      for (const warning of parsed.warnings) logger.warn(warning);
      if (parsed.ok) this.applyConfig(parsed.config);
      else logger.error(parsed.error);
      this.appliedConfigVersion = modifyVersion;
    }
    return { cluster, config: this.config };
  }

  private applyConfig(config: DynamicConfig): void {
    const old = this.config;
    // Parameters, pg_hba and friends changed in /config reach PostgreSQL by a config rewrite + reload
    // (Patroni reloads whenever the dynamic configuration changed); done after the cycle publishes it.
    if (JSON.stringify(old.raw.postgresql ?? null) !== JSON.stringify(config.raw.postgresql ?? null)) {
      this.postgresConfigChanged = true;
    }
    if (
      old.ttlMs !== config.ttlMs ||
      old.loopWaitMs !== config.loopWaitMs ||
      old.retryTimeoutMs !== config.retryTimeoutMs
    ) {
      this.options.dcs.setTiming({
        ttlMs: config.ttlMs,
        loopWaitMs: config.loopWaitMs,
        retryTimeoutMs: config.retryTimeoutMs,
      });
    }
    this.config = config;
  }

  /** Applies a changed dynamic `postgresql` section to a running server (the status already carries it). */
  private async reloadPostgresIfConfigChanged(): Promise<void> {
    if (!this.postgresConfigChanged || !this.observation?.postmasterRunning) return;
    this.postgresConfigChanged = false;
    this.options.logger.info('Reloading PostgreSQL configuration.');
    await this.options.postgres.reload().catch((error: unknown) => {
      this.options.logger.error(
        `reload of PostgreSQL failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  private buildStatus(summary: string): PublishedStatus {
    const watchdog = this.options.watchdog;
    return buildPublishedStatus({
      local: this.options.local,
      state: this.state,
      config: this.config,
      observation: this.observation,
      actionName: this.actions.current()?.name ?? null,
      summary,
      scheduledRestart: this.scheduledRestart,
      watchdogFailed:
        this.options.local.watchdogMode === 'required' && watchdog !== undefined && !watchdog.isUsable(),
      nextRunAtMs: this.nextRunAtMs,
    });
  }

  private publish(summary: string): void {
    this.status = this.buildStatus(summary);
    for (const listener of this.listeners) listener(this.status);
  }
}
