import type { PgMachine } from './pg-machine.js';
import type { PgWorld } from './pg-world.js';
import { commitAcknowledged, parseSyncNames } from './sync-names.js';

/**
 * Streaming replication, evaluated every tick: a running standby streams from its configured upstream when
 * the upstream runs, shares its system id, the two can talk, and the standby's WAL is a prefix of the
 * upstream's (a diverged standby cannot stream; it needs pg_rewind). It receives what the upstream had
 * `delayMs` ago. Then each primary acknowledges the pending commits its synchronous standbys flushed.
 */
export class Replication {
  /** Extra per-standby delay (a "lagging replica" fault raises it). */
  readonly extraDelayMs = new Map<string, number>();

  constructor(
    private readonly world: PgWorld,
    private readonly onAcknowledged: (primary: PgMachine, commitId: number) => void,
  ) {}

  tick(): void {
    for (const machine of this.world.machines.values()) this.stream(machine);
    for (const machine of this.world.machines.values()) this.acknowledge(machine);
  }

  private upstreamOf(machine: PgMachine): PgMachine | null {
    const name = machine.recovery?.upstream;
    if (machine.process !== 'running' || !machine.inRecovery || !name || name === machine.name) return null;
    const upstream = this.world.machine(name);
    // A stopping server still sends its remaining WAL (a fast shutdown waits for walsenders).
    const serving = upstream?.process === 'running' || upstream?.process === 'stopping';
    if (!upstream || !serving || upstream.sysid !== machine.sysid) return null;
    if (!this.world.network.canTalk(machine.name, name)) return null;
    return machine.wal.isPrefixOf(upstream.wal) ? upstream : null;
  }

  private stream(machine: PgMachine): void {
    const upstream = this.upstreamOf(machine);
    const was = machine.streamingFrom;
    machine.streamingFrom = upstream?.name ?? null;
    if (was !== machine.streamingFrom) {
      this.world.trace.add(
        machine.name,
        `pg: ${upstream ? `streaming from ${upstream.name}` : 'not streaming'}`,
      );
    }
    if (!upstream) return;
    const delayMs = this.world.network.peerDelayMs + (this.extraDelayMs.get(machine.name) ?? 0);
    const horizon = this.world.nowMs - delayMs;
    let upTo = machine.wal.length;
    while (upTo < upstream.wal.length && (upstream.wal.arrivedAtMs[upTo] ?? Infinity) <= horizon) upTo++;
    machine.wal.copyFrom(upstream.wal, upTo, this.world.nowMs);
    machine.knownMaxTli = Math.max(machine.knownMaxTli, upstream.knownMaxTli, upstream.wal.tli);
  }

  /** Flush positions of the standbys streaming from `machine` right now. */
  standbyFlush(machine: PgMachine): Map<string, number> {
    const flush = new Map<string, number>();
    for (const other of this.world.machines.values()) {
      if (other.streamingFrom === machine.name) flush.set(other.name, other.wal.endLsn);
    }
    return flush;
  }

  private acknowledge(machine: PgMachine): void {
    if (machine.pending.length === 0) return;
    const rule = parseSyncNames(machine.synchronousStandbyNames);
    const flush = this.standbyFlush(machine);
    let acked = 0;
    for (const commit of machine.pending) {
      if (!commitAcknowledged(rule, flush, commit.ref.endLsn)) break;
      acked++;
    }
    for (const commit of machine.pending.splice(0, acked)) this.onAcknowledged(machine, commit.commitId);
  }
}
