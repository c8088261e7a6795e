import type { PgWorld } from './pg-world.js';
import type { Prng } from './prng.js';
import { Wal, type WalRef } from './wal.js';

/** How long a stopping primary keeps serving WAL after its shutdown checkpoint (≥ two replication ticks). */
const SHUTDOWN_WAL_SEND_MS = 600;
const WALSENDER_POLL_MS = 100;
/** Backstop: PostgreSQL itself would wait for as long as a connected standby takes. */
const WALSENDER_WAIT_MAX_MS = 120_000;

const CONNECT_TIMEOUT_MS = 5_000;

export type PgProcess = 'stopped' | 'starting' | 'running' | 'stopping';

/** How long this machine's operations take (drawn once per node from the seed). */
export interface PgDurations {
  readonly startMs: number;
  readonly stopMs: number;
  readonly promoteMs: number;
  readonly basebackupMs: number;
  readonly rewindMs: number;
  readonly initdbMs: number;
  readonly crashRecoveryMs: number;
  /** The end-of-recovery checkpoint after a promotion completes this long after it. */
  readonly postPromoteCheckpointMs: number;
}

export function drawDurations(prng: Prng): PgDurations {
  return {
    startMs: prng.int(800, 3000),
    stopMs: prng.int(300, 1500),
    promoteMs: prng.int(200, 1200),
    basebackupMs: prng.int(4000, 15000),
    rewindMs: prng.int(1500, 5000),
    initdbMs: prng.int(2000, 4000),
    crashRecoveryMs: prng.int(500, 2000),
    postPromoteCheckpointMs: prng.int(1000, 5000),
  };
}

/** A commit waiting for synchronous standbys before the client hears "COMMIT". */
export interface PendingCommit {
  readonly commitId: number;
  readonly ref: WalRef;
  readonly issuedAtMs: number;
}

/**
 * One node's PostgreSQL "machine": data directory, WAL, process state, recovery settings. The operations are
 * what `pg_ctl`, initdb, pg_basebackup and pg_rewind do, each taking virtual time. A crash (or any stop)
 * bumps `epoch`, which makes every operation in flight give up.
 */
export class PgMachine {
  readonly wal = new Wal();
  dataDir: 'empty' | 'initialized' = 'empty';
  sysid: string | null = null;
  process: PgProcess = 'stopped';
  /** standby.signal + primary_conninfo: the upstream's name, or null for "standby without upstream". */
  recovery: { readonly upstream: string | null } | null = null;
  inRecovery = false;
  controlState = '';
  lastCheckpointLsn = 0;
  synchronousStandbyNames = '';
  /** Highest timeline whose history file this node has seen (PG picks the next free timeline above it). */
  knownMaxTli = 0;
  /** pg_control is on the current timeline (post-promote checkpoint done); pg_rewind needs this of a source. */
  checkpointedOnTimeline = true;
  /** Which node we stream from right now (set by the replication tick). */
  streamingFrom: string | null = null;
  /** Time the postmaster started (postmaster_start_time). */
  startedAtMs = 0;
  epoch = 0;
  readonly pending: PendingCommit[] = [];
  /** Called when client sessions are cut (stop/crash): their pending commits are never acknowledged. */
  onSessionsTerminated: (machine: PgMachine, dropped: readonly PendingCommit[]) => void = () => {};

  constructor(
    readonly name: string,
    readonly world: PgWorld,
    readonly durations: PgDurations,
  ) {}

  get acceptingWrites(): boolean {
    return this.process === 'running' && !this.inRecovery;
  }

  private trace(message: string): void {
    this.world.trace.add(this.name, `pg: ${message}`);
  }

  /** Sleeps; false if the machine crashed/stopped meanwhile or `signal` aborted. */
  private async takes(ms: number, signal?: AbortSignal): Promise<boolean> {
    const epoch = this.epoch;
    await this.world.scheduler.sleep(ms, signal);
    return this.epoch === epoch && !signal?.aborted;
  }

  private terminateSessions(): void {
    if (this.pending.length === 0) return;
    const dropped = this.pending.splice(0);
    this.onSessionsTerminated(this, dropped);
  }

  /** The machine dies (kill -9 of the postmaster, or a watchdog reset): no checkpoint, sessions cut. */
  crash(reason: string): void {
    if (this.process === 'stopped') return;
    this.trace(`CRASH (${reason})`);
    this.epoch++;
    this.process = 'stopped';
    this.streamingFrom = null;
    this.terminateSessions();
  }

  async initdb(signal?: AbortSignal): Promise<string | null> {
    if (this.dataDir !== 'empty') return 'data directory is not empty';
    this.trace('initdb');
    if (!(await this.takes(this.durations.initdbMs, signal))) return 'initdb interrupted';
    this.dataDir = 'initialized';
    this.sysid = this.world.newSysid();
    this.wal.clear();
    const record = this.world.record(22_000_000, 40, 1, 'bootstrap', false);
    this.wal.append(record, this.world.nowMs);
    this.lastCheckpointLsn = record.startLsn;
    this.knownMaxTli = 1;
    this.controlState = 'shut down';
    return null;
  }

  async start(
    role: 'primary' | 'replica' | 'standby_leader',
    upstream: string | null,
    signal?: AbortSignal,
  ): Promise<string | null> {
    if (this.dataDir !== 'initialized') return 'data directory is not initialized';
    if (this.process !== 'stopped') return `postmaster is already ${this.process}`;
    this.recovery = role === 'primary' ? null : { upstream };
    this.process = 'starting';
    this.startedAtMs = this.world.nowMs;
    this.trace(`starting as ${role}${upstream ? ` following ${upstream}` : ''}`);
    const crashed = this.controlState === 'in production' || this.controlState === 'in crash recovery';
    const ms = this.durations.startMs + (crashed ? this.durations.crashRecoveryMs : 0);
    if (!(await this.takes(ms, signal))) {
      if (this.process === 'starting') this.process = 'stopped';
      return 'start interrupted';
    }
    this.process = 'running';
    this.inRecovery = this.recovery !== null;
    this.controlState = this.inRecovery ? 'in archive recovery' : 'in production';
    this.trace(`running as ${this.inRecovery ? 'replica' : 'PRIMARY'} on timeline ${this.wal.tli}`);
    return null;
  }

  async stop(
    mode: 'smart' | 'fast' | 'immediate',
    checkpoint: boolean,
    onShutdownCheckpoint?: (lsn: number) => Promise<void> | void,
  ): Promise<{ ok: boolean; checkpointLsn: number | null }> {
    if (this.process === 'stopped') {
      return { ok: true, checkpointLsn: this.controlState === 'shut down' ? this.lastCheckpointLsn : null };
    }
    this.trace(`stopping (${mode})`);
    this.epoch++;
    const epoch = this.epoch;
    const wasPrimary = !this.inRecovery && this.process === 'running';
    this.process = 'stopping';
    this.streamingFrom = null;
    this.terminateSessions();
    if (mode === 'immediate') {
      await this.world.scheduler.sleep(100);
      if (this.epoch === epoch) this.process = 'stopped';
      return { ok: true, checkpointLsn: null };
    }
    await this.world.scheduler.sleep(this.durations.stopMs + (checkpoint ? 300 : 0));
    if (this.epoch !== epoch) return { ok: true, checkpointLsn: null };
    let checkpointLsn: number | null = null;
    if (wasPrimary) {
      const record = this.world.record(this.wal.endLsn, 120, this.wal.tli, 'checkpoint', false);
      this.wal.append(record, this.world.nowMs);
      this.lastCheckpointLsn = record.startLsn;
      this.controlState = 'shut down';
      checkpointLsn = record.startLsn;
      await onShutdownCheckpoint?.(record.startLsn);
      await this.waitForWalsenders(epoch);
      if (this.epoch !== epoch) return { ok: true, checkpointLsn };
    } else {
      this.lastCheckpointLsn = this.wal.endLsn;
      this.controlState = 'shut down in recovery';
    }
    await this.world.scheduler.sleep(100);
    if (this.epoch === epoch) this.process = 'stopped';
    this.trace('stopped');
    return { ok: true, checkpointLsn };
  }

  /**
   * A clean shutdown of a primary waits until every standby still streaming from it has flushed all WAL,
   * the shutdown checkpoint included (walsenders exit last). A standby that disconnects is not waited for.
   */
  private async waitForWalsenders(epoch: number): Promise<void> {
    const endLsn = this.wal.endLsn;
    let waitedMs = 0;
    for (;;) {
      await this.world.scheduler.sleep(WALSENDER_POLL_MS);
      waitedMs += WALSENDER_POLL_MS;
      if (this.epoch !== epoch || waitedMs >= WALSENDER_WAIT_MAX_MS) return;
      if (waitedMs < SHUTDOWN_WAL_SEND_MS) continue;
      const behind = [...this.world.machines.values()].some(
        (m) => m.streamingFrom === this.name && m.wal.endLsn < endLsn,
      );
      if (!behind) return;
    }
  }

  async promote(signal?: AbortSignal): Promise<string | null> {
    if (this.process !== 'running') return 'server is not running';
    if (!this.inRecovery) return null;
    this.trace('promoting');
    if (!(await this.takes(this.durations.promoteMs, signal))) return 'promote interrupted';
    const parentTli = this.wal.tli;
    const tli = Math.max(parentTli, this.knownMaxTli) + 1;
    const switchLsn = this.wal.endLsn;
    this.wal.append(this.world.record(switchLsn, 80, tli, 'end-of-recovery', false), this.world.nowMs);
    this.knownMaxTli = tli;
    this.inRecovery = false;
    this.recovery = null;
    this.streamingFrom = null;
    this.controlState = 'in production';
    this.checkpointedOnTimeline = false;
    this.trace(`PROMOTED to timeline ${tli} at ${switchLsn}`);
    this.world.recordPromotion({ node: this.name, atMs: this.world.nowMs, parentTli, tli, switchLsn });
    const epoch = this.epoch;
    this.world.scheduler.schedule(this.durations.postPromoteCheckpointMs, () => {
      if (this.epoch === epoch) this.checkpointedOnTimeline = true;
    });
    return null;
  }

  async checkpoint(): Promise<string | null> {
    if (this.process !== 'running') return 'server is not running';
    if (!(await this.takes(200))) return 'checkpoint interrupted';
    this.checkpointedOnTimeline = true;
    if (!this.inRecovery) {
      const record = this.world.record(this.wal.endLsn, 120, this.wal.tli, 'checkpoint', false);
      this.wal.append(record, this.world.nowMs);
      this.lastCheckpointLsn = record.startLsn;
    }
    return null;
  }

  /** pg_basebackup from `sourceName`: everything the source has when the copy ends. */
  async basebackup(sourceName: string, signal?: AbortSignal): Promise<string | null> {
    if (this.dataDir !== 'empty') return 'data directory is not empty';
    if (!this.runningPeer(sourceName)) return this.connectFailure(sourceName);
    this.trace(`basebackup from ${sourceName}`);
    if (!(await this.takes(this.durations.basebackupMs, signal))) return 'basebackup interrupted';
    const source = this.runningPeer(sourceName);
    if (source?.dataDir !== 'initialized') return `connection to ${sourceName} lost during basebackup`;
    this.wal.clear();
    this.wal.copyFrom(source.wal, source.wal.length, this.world.nowMs);
    this.dataDir = 'initialized';
    this.sysid = source.sysid;
    this.knownMaxTli = Math.max(source.knownMaxTli, source.wal.tli);
    this.controlState = 'in archive recovery';
    this.trace(`basebackup done at ${this.wal.endLsn} timeline ${this.wal.tli}`);
    return null;
  }

  /** Does following `leaderName` need a rewind? Ground truth: is our WAL a prefix of the leader's? */
  divergence(leaderName: string): 'need' | 'not-need' | 'unknown' {
    const leader = this.runningPeer(leaderName);
    if (!leader || leader.inRecovery) return 'unknown';
    if (this.dataDir !== 'initialized') return 'not-need';
    return this.wal.isPrefixOf(leader.wal) ? 'not-need' : 'need';
  }

  async rewind(leaderName: string, signal?: AbortSignal): Promise<string | null> {
    // postgres.md §7.4: the port stops a running server (fast, no checkpoint) before pg_rewind.
    if (this.process !== 'stopped') await this.stop('fast', false);
    if (this.process !== 'stopped') return 'Can not run pg_rewind because postgres is still running';
    if (this.controlState !== 'shut down' && this.controlState !== 'shut down in recovery') {
      return 'target server must be shut down cleanly';
    }
    const leader = this.runningPeer(leaderName);
    if (!leader) return this.connectFailure(leaderName);
    this.trace(`pg_rewind from ${leaderName}`);
    if (!(await this.takes(this.durations.rewindMs, signal))) return 'pg_rewind interrupted';
    if (leader.process !== 'running' || !this.world.network.canTalk(this.name, leaderName)) {
      return `connection to ${leaderName} lost during pg_rewind`;
    }
    if (!leader.checkpointedOnTimeline) {
      // What pg_rewind does when the source's pg_control still shows the old timeline.
      this.trace('pg_rewind: source and target cluster are on the same timeline; no rewind required');
      return null;
    }
    const common = this.wal.commonPrefixLength(leader.wal);
    this.wal.truncate(common);
    this.wal.copyFrom(leader.wal, leader.wal.length, this.world.nowMs);
    this.knownMaxTli = Math.max(this.knownMaxTli, leader.knownMaxTli, leader.wal.tli);
    this.controlState = 'in archive recovery';
    this.trace(`pg_rewind done, now at ${this.wal.endLsn} timeline ${this.wal.tli}`);
    return null;
  }

  /** Patroni's check_leader_is_not_in_recovery: `name` runs, answers us, and is not in recovery. */
  peerIsPrimary(name: string): boolean {
    const peer = this.runningPeer(name);
    return peer !== null && !peer.inRecovery;
  }

  /** Another node's Postgres, if it runs and we can talk to it. */
  private runningPeer(name: string): PgMachine | null {
    const peer = this.world.machine(name);
    return peer?.process === 'running' && this.world.network.canTalk(this.name, name) ? peer : null;
  }

  /** A refused connection fails at once; dropped packets only after libpq's connect_timeout. */
  private async connectFailure(target: string): Promise<string> {
    if (!this.world.network.canTalk(this.name, target)) await this.world.scheduler.sleep(CONNECT_TIMEOUT_MS);
    return `could not connect to ${target}`;
  }

  async crashRecovery(signal?: AbortSignal): Promise<string | null> {
    if (this.process !== 'stopped') return 'server is running';
    this.trace('single-user crash recovery');
    if (!(await this.takes(this.durations.crashRecoveryMs, signal))) return 'crash recovery interrupted';
    if (this.controlState === 'in production' || this.controlState === 'in crash recovery') {
      this.controlState = 'shut down';
      this.lastCheckpointLsn = this.wal.endLsn;
    } else if (this.controlState === 'in archive recovery') {
      this.controlState = 'shut down in recovery';
    }
    return null;
  }

  removeDataDirectory(reason: string): string | null {
    if (this.process !== 'stopped') return 'postgres is running';
    this.trace(`data directory removed (${reason})`);
    this.dataDir = 'empty';
    this.sysid = null;
    this.wal.clear();
    this.controlState = '';
    this.recovery = null;
    this.knownMaxTli = 0;
    return null;
  }
}
