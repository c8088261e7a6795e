import {
  asLsn,
  type DesiredSlots,
  type OperationResult,
  type PostgresObservation,
  type PostgresPort,
  type PostgresQueryResult,
  type ReplicationConnection,
  type SlotSyncResult,
  type StartOptions,
  type StopOptions,
  type StopResult,
  type TimelineSwitch,
  type UpstreamMember,
} from '@patroni/ha-core';
import type { ProcessGate } from './gate.js';
import type { PgMachine } from './pg-machine.js';
import { parseSyncNames, syncStates } from './sync-names.js';
import { formatLsn } from './wal.js';

/** Virtual epoch ms → the timestamp text Postgres prints. */
export type TimeText = (ms: number) => string;

function result(error: string | null): OperationResult {
  return error === null ? { ok: true } : { ok: false, error };
}

/** Even a failing command (pg_ctl, pg_basebackup refused) takes a little time: no zero-time retry loops. */
const MIN_COMMAND_MS = 20;

/**
 * The PostgresPort of one agent incarnation over its node's `PgMachine`. Every call goes through the
 * incarnation's gate, so a hung agent's calls wait and a dead agent's calls never return.
 */
export class SimPostgres implements PostgresPort {
  /** Last desired slots the engine asked for (slots are not simulated beyond that). */
  desiredSlots: DesiredSlots | null = null;

  constructor(
    private readonly machine: PgMachine,
    private readonly gate: ProcessGate,
    private readonly timeText: TimeText,
  ) {}

  /** A command run as a child process: at least MIN_COMMAND_MS of virtual time. */
  private command(run: () => Promise<string | null>): Promise<OperationResult> {
    return this.gate.run(async () => {
      const started = this.machine.world.nowMs;
      const error = await run();
      const elapsed = this.machine.world.nowMs - started;
      if (elapsed < MIN_COMMAND_MS) await this.machine.world.scheduler.sleep(MIN_COMMAND_MS - elapsed);
      return result(error);
    });
  }

  observe(): Promise<PostgresObservation> {
    return this.gate.run(async () => observeMachine(this.machine, this.timeText));
  }

  bootstrap(signal: AbortSignal): Promise<OperationResult> {
    return this.command(() => this.machine.initdb(signal));
  }

  postBootstrap(_signal: AbortSignal): Promise<OperationResult> {
    return this.gate.run(async () => ({ ok: true }));
  }

  createReplica(source: UpstreamMember | null, signal: AbortSignal): Promise<OperationResult> {
    return this.command(async () =>
      source ? this.machine.basebackup(source.name, signal) : 'no replica method without a leader',
    );
  }

  start(options: StartOptions, signal: AbortSignal): Promise<OperationResult> {
    return this.command(() => this.machine.start(options.role, options.upstream?.name ?? null, signal));
  }

  stop(options: StopOptions): Promise<StopResult> {
    return this.gate.run(async () => {
      const stopped = await this.machine.stop(options.mode, options.checkpoint, (lsn) =>
        options.onShutdownCheckpoint?.(asLsn(lsn)),
      );
      return {
        ok: stopped.ok,
        checkpointLsn: stopped.checkpointLsn === null ? null : asLsn(stopped.checkpointLsn),
      };
    });
  }

  restart(options: StartOptions, signal: AbortSignal): Promise<OperationResult> {
    return this.command(async () => {
      await this.machine.stop('fast', false);
      return this.machine.start(options.role, options.upstream?.name ?? null, signal);
    });
  }

  reload(): Promise<void> {
    return this.gate.run(async () => {});
  }

  promote(_waitMs: number, signal: AbortSignal): Promise<OperationResult> {
    return this.command(() => this.machine.promote(signal));
  }

  checkpoint(): Promise<OperationResult> {
    return this.command(() => this.machine.checkpoint());
  }

  configureFollow(upstream: UpstreamMember | null): Promise<'unchanged' | 'reloaded' | 'restart-required'> {
    return this.gate.run(async () => {
      const machine = this.machine;
      const name = upstream?.name ?? null;
      if (machine.process !== 'stopped' && machine.recovery === null) return 'restart-required';
      if (machine.recovery?.upstream === name) return 'unchanged';
      machine.recovery = { upstream: name };
      machine.world.trace.add(machine.name, `pg: primary_conninfo -> ${name ?? 'none'}`);
      return 'reloaded';
    });
  }

  checkDivergence(leader: UpstreamMember): Promise<'need' | 'not-need' | 'unknown'> {
    return this.gate.run(async () => this.machine.divergence(leader.name));
  }

  canRewind(): Promise<boolean> {
    return this.gate.run(async () => true);
  }

  /**
   * As `@patroni/postgres`: a failure that could not reach the source, lost it midway, or after which it is no
   * longer a reachable primary is `sourceUnavailable` (not counted as a failed rewind).
   */
  async rewind(leader: UpstreamMember, signal: AbortSignal): Promise<OperationResult> {
    let sourceUnavailable = false;
    const result = await this.command(async () => {
      const error = await this.machine.rewind(leader.name, signal);
      const connectionError = error !== null && /could not connect|connection to .* lost/.test(error);
      sourceUnavailable = connectionError || (error !== null && !this.machine.peerIsPrimary(leader.name));
      return error;
    });
    return result.ok || !sourceUnavailable ? result : { ...result, sourceUnavailable: true };
  }

  crashRecovery(signal: AbortSignal): Promise<OperationResult> {
    return this.command(() => this.machine.crashRecovery(signal));
  }

  removeDataDirectory(reason: string): Promise<OperationResult> {
    return this.command(async () => this.machine.removeDataDirectory(reason));
  }

  /** Logical slots are not simulated: a copy is never needed, and one asked for succeeds at once. */
  syncReplicationSlots(desired: DesiredSlots): Promise<SlotSyncResult> {
    return this.gate.run(async () => {
      this.desiredSlots = desired;
      return { copy: [] };
    });
  }

  async copyLogicalSlots(): Promise<OperationResult> {
    return { ok: true };
  }

  setSynchronousStandbyNames(value: string | null): Promise<void> {
    return this.gate.run(async () => {
      const text = value ?? '';
      if (text !== this.machine.synchronousStandbyNames) {
        this.machine.world.trace.add(this.machine.name, `pg: synchronous_standby_names = '${text}'`);
      }
      this.machine.synchronousStandbyNames = text;
    });
  }

  runCallback(): void {}

  runPrePromote(): Promise<boolean> {
    return this.gate.run(async () => true);
  }
}

/** What `@patroni/postgres` would observe of this machine (postgres.md §4.1). */
export function observeMachine(machine: PgMachine, timeText: TimeText): PostgresObservation {
  const initialized = machine.dataDir === 'initialized';
  const stateByProcess = {
    stopped: 'stopped',
    starting: 'starting',
    running: 'running',
    stopping: 'stopping',
  } as const;
  return {
    state: stateByProcess[machine.process],
    dataDirectory: initialized ? { kind: 'initialized' } : { kind: 'empty' },
    sysid: machine.sysid,
    postmasterRunning: machine.process !== 'stopped',
    query: machine.process === 'running' ? queryMachine(machine, timeText) : null,
    controlData: initialized ? controlData(machine) : {},
    majorVersion: initialized ? 150000 : null,
    pendingRestart: false,
    pendingRestartReason: {},
    hasRecoveryConfig: machine.recovery !== null,
    ...(primaryHistory(machine, timeText) ?? {}),
  };
}

/**
 * A running primary past timeline 1 reads `<tli>.history` as `@patroni/postgres` does (postgres.md §4.4):
 * the switches in its WAL, the newest with the file's mtime (when its end-of-recovery record arrived here).
 */
function primaryHistory(
  machine: PgMachine,
  timeText: TimeText,
): { timelineHistory: TimelineSwitch[] } | null {
  if (machine.process !== 'running' || machine.inRecovery || machine.wal.tli <= 1) return null;
  const switches = machine.wal.history();
  const newest = switches.length - 1;
  const firstOnTimeline = machine.wal.records.findIndex((r) => r.tli === machine.wal.tli);
  const arrivedAtMs = machine.wal.arrivedAtMs[firstOnTimeline];
  const timelineHistory = switches.map((entry, i) => ({
    parentTimeline: entry.parentTli,
    switchLsn: asLsn(entry.switchLsn),
    reason: 'no recovery target specified',
    ...(i === newest && arrivedAtMs !== undefined ? { fileModifiedAt: timeText(arrivedAtMs) } : {}),
  }));
  return { timelineHistory };
}

function controlData(machine: PgMachine): Record<string, string> {
  const stoppedReplica =
    machine.controlState === 'shut down in recovery' || machine.controlState === 'in archive recovery';
  return {
    'Database system identifier': machine.sysid ?? '',
    'Database cluster state': machine.controlState,
    'Latest checkpoint location': formatLsn(machine.lastCheckpointLsn),
    "Latest checkpoint's TimeLineID": String(machine.wal.tli),
    'Minimum recovery ending location': formatLsn(stoppedReplica ? machine.wal.endLsn : 0),
    "Min recovery ending loc's timeline": String(stoppedReplica ? machine.wal.tli : 0),
  };
}

function queryMachine(machine: PgMachine, timeText: TimeText): PostgresQueryResult {
  const inRecovery = machine.inRecovery;
  const end = asLsn(machine.wal.endLsn);
  const rule = parseSyncNames(machine.synchronousStandbyNames);
  const standbys = [...machine.world.machines.values()].filter((m) => m.streamingFrom === machine.name);
  const states = syncStates(
    rule,
    standbys.map((m) => m.name),
  );
  const replication: ReplicationConnection[] = standbys.map((m, i) => ({
    pid: 1000 + i,
    usename: 'replicator',
    applicationName: m.name,
    clientAddr: null,
    state: 'streaming',
    syncState: states.get(m.name) ?? 'async',
    syncPriority: 0,
    writeLsn: asLsn(m.wal.endLsn),
    flushLsn: asLsn(m.wal.endLsn),
    replayLsn: asLsn(m.wal.endLsn),
  }));
  return {
    serverVersion: 150004,
    postmasterStartTime: timeText(machine.startedAtMs),
    inRecovery,
    timeline: machine.wal.tli,
    walPosition: inRecovery ? asLsn(0) : end,
    replayedLsn: inRecovery ? end : asLsn(0),
    receivedLsn: inRecovery ? end : asLsn(0),
    replayedTimestamp: null,
    replayPaused: false,
    receiverState: inRecovery && machine.streamingFrom ? 'streaming' : null,
    restoreCommand: null,
    replication,
    synchronousStandbyNames: machine.synchronousStandbyNames,
    synchronousCommit: 'on',
    slots: [],
  };
}
