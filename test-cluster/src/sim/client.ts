import type { PendingCommit, PgMachine } from './pg-machine.js';
import type { PgWorld } from './pg-world.js';
import type { Prng } from './prng.js';
import type { WalRef } from './wal.js';

/** A commit the client was told succeeded. */
export interface AckedCommit {
  readonly commitId: number;
  readonly node: string;
  readonly ref: WalRef;
  readonly atMs: number;
  /** Acknowledged by the rightful primary (holding the key or a fresh lease), not by a stray one. */
  readonly byLeaseHolder: boolean;
}

/**
 * The application: every tick it commits one transaction on each node that accepts writes (so both sides of
 * a split brain get writes), and records which commits were acknowledged. With synchronous replication a
 * commit stays pending until the primary's synchronous standbys have flushed it; a stop or crash of the
 * primary drops pending commits (the client sees an error, not an acknowledgement).
 */
export class Client {
  readonly acked: AckedCommit[] = [];
  private readonly inFlight = new Map<number, PendingCommit>();
  issued = 0;
  dropped = 0;

  constructor(
    private readonly world: PgWorld,
    private readonly prng: Prng,
    private readonly holdsLease: (node: string) => boolean,
  ) {}

  writeOnce(): void {
    for (const machine of this.world.machines.values()) {
      if (!machine.acceptingWrites) continue;
      const record = this.world.record(
        machine.wal.endLsn,
        this.prng.int(200, 8000),
        machine.wal.tli,
        'commit',
        true,
      );
      const ref = machine.wal.append(record, this.world.nowMs);
      const commit: PendingCommit = { commitId: record.commitId ?? 0, ref, issuedAtMs: this.world.nowMs };
      machine.pending.push(commit);
      this.inFlight.set(commit.commitId, commit);
      this.issued++;
    }
  }

  acknowledged(machine: PgMachine, commitId: number): void {
    const commit = this.inFlight.get(commitId);
    if (!commit) return;
    this.inFlight.delete(commitId);
    this.acked.push({
      commitId,
      node: machine.name,
      ref: commit.ref,
      atMs: this.world.nowMs,
      byLeaseHolder: this.holdsLease(machine.name),
    });
  }

  sessionsTerminated(dropped: readonly PendingCommit[]): void {
    for (const commit of dropped) this.inFlight.delete(commit.commitId);
    this.dropped += dropped.length;
  }
}
