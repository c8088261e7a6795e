// An in-memory PostgresPort for loop tests and scenario scripts: honest about the few facts the HA loop
// relies on (running or not, in recovery or not, WAL position, timeline, system identifier), nothing more.
import type { Clock } from '../../dcs/clock.js';
import { asLsn, type Lsn } from '../../model/types.js';
import type {
  CallbackAction,
  DesiredSlots,
  OperationResult,
  PostgresObservation,
  PostgresPort,
  PostgresState,
  SlotSyncResult,
  StartOptions,
  StopOptions,
  StopResult,
  UpstreamMember,
} from '../../ports/postgres.js';

/** What all simulated servers share: the system identifier a bootstrap creates, and every server by name. */
export class PostgresWorld {
  sysid = '7100000000000000001';
  readonly servers = new Map<string, MemoryPostgres>();
  /** WAL bytes a running primary writes per observation. */
  writeRateBytes = 1000;
  /** Virtual time for the durations below (none without it). */
  clock: Clock | null = null;
}

const OK: OperationResult = { ok: true };

export class MemoryPostgres implements PostgresPort {
  running = false;
  /** What the agent last did to it; stays `running` after a crash (the agent then sees `crashed`). */
  trackedState: PostgresState = 'stopped';
  dataDir: 'empty' | 'initialized' = 'empty';
  sysid: string | null = null;
  inRecovery = true;
  lsn = 0;
  timeline = 1;
  upstream: string | null = null;
  controlState = 'shut down';
  readonly callbacks: string[] = [];
  prePromoteResult = true;
  /** Fail the next start (e.g. a broken config). */
  failNextStart = false;
  /** How long initdb, a start and the postmaster's exit after its shutdown checkpoint take (world clock). */
  bootstrapMs = 0;
  startMs = 0;
  shutdownLingerMs = 0;
  /**
   * A replica start only ends once its upstream has a slot named after it (a rewound or freshly cloned replica
   * needs WAL from the primary to become consistent and accept connections; without the slot it gets none).
   */
  startWaitsForSlot = false;
  /** When the last shutdown checkpoint was written (world clock), null before any. */
  shutdownCheckpointAtMs: number | null = null;
  /** Physical slot names as of the last `syncReplicationSlots`. */
  slotNames: readonly string[] = [];

  constructor(
    readonly name: string,
    private readonly world: PostgresWorld,
  ) {
    world.servers.set(name, this);
  }

  /** The postmaster dies; the agent still believes it runs. */
  crash(): void {
    this.running = false;
    this.controlState = this.inRecovery ? 'in archive recovery' : 'in production';
  }

  async observe(): Promise<PostgresObservation> {
    if (this.running && !this.inRecovery) this.lsn += this.world.writeRateBytes;
    if (this.running && this.inRecovery && this.upstream) {
      const upstream = this.world.servers.get(this.upstream);
      if (upstream?.running && upstream.sysid === this.sysid && upstream.timeline >= this.timeline) {
        this.lsn = Math.max(this.lsn, upstream.lsn);
        this.timeline = upstream.timeline;
      }
    }
    const position = asLsn(this.lsn);
    return {
      state: this.trackedState,
      dataDirectory: { kind: this.dataDir },
      sysid: this.sysid,
      postmasterRunning: this.running,
      query: this.running
        ? {
            serverVersion: 150004,
            postmasterStartTime: '2024-01-01 00:00:00+00',
            inRecovery: this.inRecovery,
            timeline: this.timeline,
            walPosition: this.inRecovery ? asLsn(0) : position,
            replayedLsn: this.inRecovery ? position : asLsn(0),
            receivedLsn: this.inRecovery ? position : asLsn(0),
            replayedTimestamp: null,
            replayPaused: false,
            receiverState: this.inRecovery && this.upstream ? 'streaming' : null,
            restoreCommand: null,
            replication: [],
            synchronousStandbyNames: '',
            synchronousCommit: 'on',
            slots: [],
          }
        : null,
      controlData: this.dataDir === 'initialized' ? { 'Database cluster state': this.controlState } : {},
      majorVersion: this.dataDir === 'initialized' ? 150000 : null,
      pendingRestart: false,
      pendingRestartReason: {},
      hasRecoveryConfig: this.inRecovery,
    };
  }

  private async take(ms: number): Promise<void> {
    if (ms > 0) await this.world.clock?.sleep(ms);
  }

  async bootstrap(): Promise<OperationResult> {
    await this.take(this.bootstrapMs);
    this.dataDir = 'initialized';
    this.sysid = this.world.sysid;
    this.inRecovery = false;
    this.timeline = 1;
    this.lsn = 50_000_000;
    return OK;
  }

  async postBootstrap(): Promise<OperationResult> {
    return OK;
  }

  async createReplica(source: UpstreamMember | null): Promise<OperationResult> {
    const from = source ? this.world.servers.get(source.name) : null;
    if (!from?.running) return { ok: false, error: `cannot clone from ${source?.name ?? 'nobody'}` };
    this.dataDir = 'initialized';
    this.sysid = from.sysid;
    this.lsn = from.lsn;
    this.timeline = from.timeline;
    return OK;
  }

  async start(options: StartOptions): Promise<OperationResult> {
    if (this.failNextStart) {
      this.failNextStart = false;
      this.trackedState = 'start failed';
      return { ok: false, error: 'start failed' };
    }
    await this.take(this.startMs);
    if (this.startWaitsForSlot && options.role !== 'primary' && options.upstream) {
      if (!(await this.waitForSlotOn(options.upstream.name, options.timeoutMs))) {
        this.trackedState = 'start failed';
        return { ok: false, error: `postgres did not accept connections within ${options.timeoutMs} ms` };
      }
    }
    this.running = true;
    this.trackedState = 'running';
    this.inRecovery = options.role !== 'primary';
    this.upstream = options.upstream?.name ?? null;
    this.controlState = this.inRecovery ? 'in archive recovery' : 'in production';
    return OK;
  }

  private async waitForSlotOn(upstream: string, timeoutMs: number): Promise<boolean> {
    const clock = this.world.clock;
    const hasSlot = () => this.world.servers.get(upstream)?.slotNames.includes(this.name) === true;
    if (!clock) return hasSlot();
    const deadlineMs = clock.now() + timeoutMs;
    while (!hasSlot() && clock.now() < deadlineMs) await clock.sleep(100);
    return hasSlot();
  }

  /** Test probe: called after `onShutdownCheckpoint` returned and `shutdownLingerMs` passed, just before exit. */
  afterShutdownCheckpoint: (() => void) | null = null;

  async stop(options: StopOptions): Promise<StopResult> {
    const wasRunning = this.running;
    if (wasRunning && options.mode !== 'immediate' && !this.inRecovery && options.onShutdownCheckpoint) {
      this.controlState = 'shut down';
      this.shutdownCheckpointAtMs = this.world.clock?.now() ?? null;
      await options.onShutdownCheckpoint(asLsn(this.lsn));
      await this.take(this.shutdownLingerMs);
      this.afterShutdownCheckpoint?.();
    }
    this.running = false;
    this.trackedState = 'stopped';
    if (wasRunning) {
      this.controlState =
        options.mode === 'immediate'
          ? this.inRecovery
            ? 'in archive recovery'
            : 'in production'
          : this.inRecovery
            ? 'shut down in recovery'
            : 'shut down';
    }
    return { ok: true, checkpointLsn: asLsn(this.lsn) as Lsn };
  }

  async restart(options: StartOptions): Promise<OperationResult> {
    await this.stop({ mode: 'fast', checkpoint: false, timeoutMs: null });
    return this.start(options);
  }

  /** How many times the config files were rewritten and the server reloaded. */
  reloads = 0;

  async reload(): Promise<void> {
    this.reloads += 1;
  }

  async promote(): Promise<OperationResult> {
    if (!this.running) return { ok: false, error: 'not running' };
    this.inRecovery = false;
    this.upstream = null;
    this.timeline += 1;
    return OK;
  }

  async checkpoint(): Promise<OperationResult> {
    return OK;
  }

  async configureFollow(
    upstream: UpstreamMember | null,
  ): Promise<'unchanged' | 'reloaded' | 'restart-required'> {
    const name = upstream?.name ?? null;
    if (name === this.upstream) return 'unchanged';
    this.upstream = name;
    return 'reloaded';
  }

  async checkDivergence(): Promise<'need' | 'not-need' | 'unknown'> {
    return 'not-need';
  }

  async canRewind(): Promise<boolean> {
    return false;
  }

  async rewind(): Promise<OperationResult> {
    return { ok: false, error: 'pg_rewind is not available' };
  }

  async crashRecovery(): Promise<OperationResult> {
    this.controlState = 'shut down';
    return OK;
  }

  async removeDataDirectory(): Promise<OperationResult> {
    this.dataDir = 'empty';
    this.sysid = null;
    return OK;
  }

  async syncReplicationSlots(desired: DesiredSlots): Promise<SlotSyncResult> {
    this.slotNames = Object.entries(desired.slots)
      .filter(([, slot]) => slot.type === 'physical')
      .map(([name]) => name);
    return { copy: [] };
  }

  async copyLogicalSlots(): Promise<OperationResult> {
    return { ok: true };
  }

  async setSynchronousStandbyNames(_value: string | null): Promise<void> {}

  runCallback(action: CallbackAction, role: string): void {
    this.callbacks.push(`${action} ${role}`);
  }

  async runPrePromote(): Promise<boolean> {
    return this.prePromoteResult;
  }
}
