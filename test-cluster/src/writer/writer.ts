import { setTimeout as sleep } from 'node:timers/promises';
import { longestWindow, OutageTracker, type OutageWindow } from './outage-windows.js';
import { closeQuietly, connectPg, errorMessage, type PgClient, type PgClientOptions } from './pg-client.js';
import { ensureProbeTable, probeTableName } from './probe-table.js';
import { countLostWrites, type LostWritesReport } from './verify.js';

export interface WriterOptions {
  /** Any libpq-style URL: HAProxy's primary port, or one node. */
  readonly connectionString: string;
  /** Pause between the start of one attempt and the next (default 20). */
  readonly intervalMs?: number;
  /** Default 1000: a dead server must not stall the loop for long. */
  readonly connectTimeoutMs?: number;
  /** Default 2000: a commit waiting for a synchronous standby that is gone counts as a failure. */
  readonly statementTimeoutMs?: number;
  /** A gap between acknowledgements longer than this is an outage even without a failure (default 250). */
  readonly slowGapMs?: number;
  /** Table the rows go to (created if absent; default `patroni_writer_probe`). */
  readonly table?: string;
  /** How long `startWriter` keeps trying to create the table before giving up (default 30000). */
  readonly startTimeoutMs?: number;
}

export interface WriterReport {
  readonly durationMs: number;
  readonly attempts: number;
  readonly failedAttempts: number;
  /** Ids whose INSERT was acknowledged (committed as far as the client knows), ascending. */
  readonly acknowledgedIds: readonly number[];
  readonly windows: readonly OutageWindow[];
  readonly longestWindow: OutageWindow | undefined;
}

export interface WriterProgress {
  readonly attempts: number;
  readonly acknowledged: number;
  readonly failedAttempts: number;
  readonly inOutage: boolean;
}

export interface Writer {
  readonly table: string;
  progress(): WriterProgress;
  /** Stops after the attempt in flight and reports; idempotent. */
  stop(): Promise<WriterReport>;
  /** After `stop()`: how many acknowledged ids are missing from the table reachable at `connectionString`. */
  verify(connectionString?: string): Promise<LostWritesReport>;
}

/** Epoch-aligned but monotonic milliseconds: wall-clock jumps must not distort windows. */
export const monotonicNowMs = () => performance.timeOrigin + performance.now();

/**
 * Starts a loop that inserts rows with sequential ids, one attempt every `intervalMs`, reconnecting after any
 * failure. It records every acknowledged id and every window without an acknowledged write. Resolves once
 * the probe table exists (so the first outage measured is a real one, not the cluster still starting).
 */
export async function startWriter(options: WriterOptions): Promise<Writer> {
  const table = probeTableName(options.table);
  const pgOptions: PgClientOptions = {
    connectionString: options.connectionString,
    connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 2_000,
    applicationName: 'patroni-writer',
  };
  await ensureProbeTable(pgOptions, table, options.startTimeoutMs ?? 30_000);
  const startedMs = monotonicNowMs();
  const loop = new WriteLoop(pgOptions, table, options.intervalMs ?? 20, options.slowGapMs ?? 250, startedMs);
  const running = loop.run();
  let report: Promise<WriterReport> | undefined;
  return {
    table,
    progress: () => loop.progress(),
    stop() {
      report ??= loop.stop().then(() => running.then(() => loop.report(startedMs)));
      return report;
    },
    async verify(connectionString = options.connectionString) {
      if (!report) throw new Error('writer.verify() needs writer.stop() first');
      const { acknowledgedIds } = await report;
      return countLostWrites({ ...pgOptions, connectionString }, table, acknowledgedIds);
    },
  };
}

class WriteLoop {
  readonly #acknowledged: number[] = [];
  readonly #tracker: OutageTracker;
  readonly #stopController = new AbortController();
  #client: PgClient | undefined;
  #nextId = 1;
  #attempts = 0;
  #failed = 0;
  #endedMs = 0;

  constructor(
    private readonly pgOptions: PgClientOptions,
    private readonly table: string,
    private readonly intervalMs: number,
    slowGapMs: number,
    startedMs: number,
  ) {
    this.#tracker = new OutageTracker(startedMs, slowGapMs);
  }

  async run(): Promise<void> {
    const signal = this.#stopController.signal;
    while (!signal.aborted) {
      const attemptMs = monotonicNowMs();
      await this.#attempt();
      const waitMs = this.intervalMs - (monotonicNowMs() - attemptMs);
      if (waitMs > 0) await sleep(waitMs, undefined, { signal }).catch(() => {});
    }
    this.#endedMs = monotonicNowMs();
    if (this.#client) closeQuietly(this.#client);
  }

  async #attempt(): Promise<void> {
    const id = this.#nextId++;
    this.#attempts += 1;
    try {
      this.#client ??= await connectPg(this.pgOptions);
      await this.#client.query(`INSERT INTO ${this.table} (id) VALUES ($1)`, [id]);
      this.#acknowledged.push(id);
      this.#tracker.acknowledged(monotonicNowMs());
    } catch (error) {
      this.#failed += 1;
      this.#tracker.failed(monotonicNowMs(), errorMessage(error));
      if (this.#client) closeQuietly(this.#client);
      this.#client = undefined;
    }
  }

  async stop(): Promise<void> {
    this.#stopController.abort();
  }

  progress(): WriterProgress {
    return {
      attempts: this.#attempts,
      acknowledged: this.#acknowledged.length,
      failedAttempts: this.#failed,
      inOutage: this.#tracker.inOutage,
    };
  }

  report(startedMs: number): WriterReport {
    const windows = this.#tracker.finish(this.#endedMs);
    return {
      durationMs: this.#endedMs - startedMs,
      attempts: this.#attempts,
      failedAttempts: this.#failed,
      acknowledgedIds: [...this.#acknowledged],
      windows,
      longestWindow: longestWindow(windows),
    };
  }
}
