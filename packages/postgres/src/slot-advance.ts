import { formatLsn, type Logger } from '@patroni/ha-core';
import type pg from 'pg';
import { errorMessage } from './errors.js';

/** SQLSTATEs after which a copy is the only way forward: WAL removed (58P01), slot invalidated (55000). */
const RECOPY_SQLSTATES = new Set(['58P01', '55000']);

/** Opens a connection to `database` on the local server (statement_timeout=0: advancing decodes WAL). */
export type LocalConnect = (database: string) => Promise<pg.Client>;

export interface AdvanceReport {
  /** An advance failed since the last report (slot state should be re-read). */
  readonly failed: boolean;
  /** Slots whose advance found their WAL gone or the slot invalidated: copy them again. */
  readonly copy: readonly string[];
}

/** Whether a failed advance calls for a fresh copy of the slot (postgres.md §9.4). */
export function needsRecopy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RECOPY_SQLSTATES.has(code);
}

/**
 * Advances copies of logical slots on a replica in the background (postgres.md §9.4; Patroni's
 * SlotsAdvanceThread): `pg_replication_slot_advance` decodes WAL and may take long, so the HA loop only
 * schedules targets and collects failures on its next sync. One worker, one connection per database, one
 * advance in flight per slot; a target scheduled while a slot is advancing is picked up afterwards.
 */
export class LogicalSlotAdvancer {
  /** database → slot → target LSN. */
  private readonly scheduled = new Map<string, Map<string, number>>();
  private copy: string[] = [];
  private failed = false;
  private worker: Promise<void> | null = null;

  constructor(
    private readonly connect: LocalConnect,
    private readonly logger: Logger,
  ) {}

  /** Adds targets (slots just scheduled for a copy are skipped) and returns what happened since last time. */
  schedule(targets: ReadonlyMap<string, ReadonlyMap<string, number>>): AdvanceReport {
    for (const [database, slots] of targets) {
      for (const [slot, lsn] of slots) {
        if (this.copy.includes(slot)) continue;
        const perDb = this.scheduled.get(database) ?? new Map<string, number>();
        perDb.set(slot, lsn);
        this.scheduled.set(database, perDb);
      }
    }
    const report = { failed: this.failed, copy: this.copy };
    this.copy = [];
    this.failed = false;
    if (this.scheduled.size > 0 && this.worker === null) {
      this.worker = this.drain().finally(() => {
        this.worker = null;
      });
    }
    return report;
  }

  /** Forgets everything scheduled (PostgreSQL is about to stop, or was promoted). */
  clean(): void {
    this.scheduled.clear();
    this.copy = [];
    this.failed = false;
  }

  /** Resolves when the worker is idle (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  private async drain(): Promise<void> {
    while (this.scheduled.size > 0) {
      for (const database of [...this.scheduled.keys()]) await this.advanceDatabase(database);
    }
  }

  private async advanceDatabase(database: string): Promise<void> {
    let client: pg.Client | null = null;
    try {
      client = await this.connect(database);
      for (const slot of [...(this.scheduled.get(database)?.keys() ?? [])]) {
        const lsn = this.scheduled.get(database)?.get(slot);
        if (lsn !== undefined) await this.advanceSlot(client, database, slot, lsn);
      }
    } catch (error) {
      this.logger.error(
        `Failed to advance replication slots in database ${database}: ${errorMessage(error)}`,
      );
      // Without a connection nothing moves; drop the targets, the next sync schedules them again.
      this.scheduled.delete(database);
    } finally {
      await client?.end().catch(() => undefined);
    }
  }

  private async advanceSlot(client: pg.Client, database: string, slot: string, lsn: number): Promise<void> {
    let recopy = false;
    let failed = false;
    try {
      await client.query('SELECT pg_catalog.pg_replication_slot_advance($1, $2::pg_lsn)', [
        slot,
        formatLsn(lsn),
      ]);
    } catch (error) {
      this.logger.error(`Failed to advance logical replication slot '${slot}': ${errorMessage(error)}`);
      failed = true;
      recopy = needsRecopy(error);
    }
    if (failed) {
      this.failed = true;
      if (recopy && !this.copy.includes(slot)) this.copy.push(slot);
    }
    const perDb = this.scheduled.get(database);
    // Keep the slot scheduled only when a newer target arrived meanwhile (and it is not to be copied).
    if (perDb && (recopy || failed || perDb.get(slot) === lsn)) {
      perDb.delete(slot);
      if (perDb.size === 0) this.scheduled.delete(database);
    }
  }
}
