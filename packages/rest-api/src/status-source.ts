/**
 * Where the status document comes from on each request: the published status (read every time, it is a
 * pointer read) and a Postgres probe cached for `maxAgeMs` and shared by concurrent requests (single flight),
 * so health answers reflect Postgres no older than about a second without a query per request. The built
 * document and its JSON are memoised while their inputs stay the same objects.
 */
import type { AgentCommands, Logger, PublishedStatus } from '@patroni/ha-core';
import { pyJson } from './py-json.js';
import {
  buildStatusDocument,
  type NodeView,
  nodeViewOf,
  type ProbedQuery,
  type StatusDocument,
  shouldProbe,
} from './status-document.js';

export interface StatusSourceOptions {
  readonly getStatus: () => PublishedStatus;
  readonly commands: Pick<AgentCommands, 'probePostgres'>;
  readonly logger: Logger;
  readonly clock: () => number;
  /** How long a probe result is reused; default 1000 ms. */
  readonly maxAgeMs?: number;
  /** A probe that has not answered after this long counts as "Postgres did not answer"; default 3000 ms. */
  readonly probeTimeoutMs?: number;
}

export interface Snapshot {
  readonly view: NodeView;
  readonly doc: StatusDocument;
  /** The document serialised as Patroni does (memoised, as bytes). */
  json(): Buffer;
}

interface Memo {
  readonly status: PublishedStatus;
  readonly query: ProbedQuery | null;
  readonly clusterFresh: boolean;
  readonly isLeader: boolean;
  readonly snapshot: Snapshot;
}

export class StatusSource {
  private probe: { query: ProbedQuery | null; atMs: number } | null = null;
  private inFlight: Promise<ProbedQuery | null> | null = null;
  private memo: Memo | null = null;
  private readonly maxAgeMs: number;
  private readonly probeTimeoutMs: number;

  constructor(private readonly options: StatusSourceOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 3000;
  }

  /** The current snapshot; probes Postgres only when the cached probe is older than `maxAgeMs`. */
  async snapshot(): Promise<Snapshot> {
    const status = this.options.getStatus();
    const query = shouldProbe(status) ? await this.freshProbe() : null;
    return this.snapshotOf(this.options.getStatus(), query);
  }

  private snapshotOf(status: PublishedStatus, query: ProbedQuery | null): Snapshot {
    const view = nodeViewOf(status, this.options.clock());
    const clusterFresh = view.cluster !== null;
    const memo = this.memo;
    if (
      memo &&
      memo.status === status &&
      memo.query === query &&
      memo.clusterFresh === clusterFresh &&
      memo.isLeader === view.isLeader
    ) {
      return memo.snapshot;
    }
    const doc = buildStatusDocument(view, query);
    let json: Buffer | null = null;
    const snapshot: Snapshot = {
      view,
      doc,
      json: () => {
        json ??= Buffer.from(pyJson(doc.body), 'utf8');
        return json;
      },
    };
    this.memo = { status, query, clusterFresh, isLeader: view.isLeader, snapshot };
    return snapshot;
  }

  private freshProbe(): Promise<ProbedQuery | null> | ProbedQuery | null {
    const cached = this.probe;
    if (cached && this.options.clock() - cached.atMs <= this.maxAgeMs) return cached.query;
    this.inFlight ??= this.runProbe().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async runProbe(): Promise<ProbedQuery | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.probeTimeoutMs);
      timer.unref();
    });
    let query: ProbedQuery | null;
    try {
      query = await Promise.race([this.options.commands.probePostgres(), timeout]);
    } catch (error) {
      this.options.logger.debug(
        `get_postgresql_status: ${error instanceof Error ? error.message : String(error)}`,
      );
      query = null;
    } finally {
      clearTimeout(timer);
    }
    this.probe = { query, atMs: this.options.clock() };
    return query;
  }
}
