import type { Network } from './network.js';
import type { PgMachine } from './pg-machine.js';
import type { Prng } from './prng.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';
import type { WalRecord } from './wal.js';

/** A promotion as Postgres performed it (ground truth for the timeline invariant). */
export interface PromotionEvent {
  readonly node: string;
  readonly atMs: number;
  readonly parentTli: number;
  readonly tli: number;
  readonly switchLsn: number;
}

/** What every simulated Postgres shares: the clock, the network, the uid counter and the ground-truth logs. */
export class PgWorld {
  readonly machines = new Map<string, PgMachine>();
  readonly promotions: PromotionEvent[] = [];
  private nextUid = 1;
  private nextCommitId = 1;
  /** Called whenever a machine starts or stops accepting writes, or promotes (invariants run after events). */
  onPromotion: (event: PromotionEvent) => void = () => {};

  constructor(
    readonly scheduler: Scheduler,
    readonly network: Network,
    readonly trace: Trace,
    readonly prng: Prng,
  ) {}

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  machine(name: string): PgMachine | null {
    return this.machines.get(name) ?? null;
  }

  record(
    previousEnd: number,
    sizeBytes: number,
    tli: number,
    kind: WalRecord['kind'],
    withCommit: boolean,
  ): WalRecord {
    return {
      uid: this.nextUid++,
      startLsn: previousEnd,
      endLsn: previousEnd + sizeBytes,
      tli,
      kind,
      commitId: withCommit ? this.nextCommitId++ : null,
    };
  }

  /** A 19-digit system identifier, as initdb makes one. */
  newSysid(): string {
    return `7${String(this.prng.int(100_000_000, 999_999_999))}${String(this.prng.int(100_000_000, 999_999_999))}`;
  }

  recordPromotion(event: PromotionEvent): void {
    this.promotions.push(event);
    this.onPromotion(event);
  }
}
