/**
 * The WAL model. A node's WAL is an array of records; replication, basebackup and pg_rewind only ever copy a
 * prefix of another node's array, and every record has a run-unique `uid`, so "node A's WAL contains record
 * r" is `A.records[r.index].uid === r.uid` and "A is a prefix of B" compares one record. Timelines are the
 * `tli` of the records: a promotion appends an end-of-recovery record on a new timeline.
 */
export interface WalRecord {
  readonly uid: number;
  readonly startLsn: number;
  readonly endLsn: number;
  readonly tli: number;
  readonly kind: 'bootstrap' | 'commit' | 'checkpoint' | 'end-of-recovery';
  /** Client commit id for `commit` records. */
  readonly commitId: number | null;
}

/** Where a record sits: enough to test any WAL for it in O(1). */
export interface WalRef {
  readonly index: number;
  readonly uid: number;
  readonly endLsn: number;
}

/** One timeline switch of a history file: the parent timeline and the LSN where the child forked off. */
export interface TimelineSwitch {
  readonly parentTli: number;
  readonly tli: number;
  readonly switchLsn: number;
}

export class Wal {
  readonly records: WalRecord[] = [];
  /** Virtual time each record arrived here (replication delay is measured from it). */
  readonly arrivedAtMs: number[] = [];

  get length(): number {
    return this.records.length;
  }

  get endLsn(): number {
    return this.records[this.records.length - 1]?.endLsn ?? 0;
  }

  get tli(): number {
    return this.records[this.records.length - 1]?.tli ?? 0;
  }

  last(): WalRecord | null {
    return this.records[this.records.length - 1] ?? null;
  }

  append(record: WalRecord, nowMs: number): WalRef {
    this.records.push(record);
    this.arrivedAtMs.push(nowMs);
    return { index: this.records.length - 1, uid: record.uid, endLsn: record.endLsn };
  }

  contains(ref: WalRef): boolean {
    return this.records[ref.index]?.uid === ref.uid;
  }

  /** Every record of this WAL is also, at the same place, in `other`. */
  isPrefixOf(other: Wal): boolean {
    const last = this.last();
    return last === null || other.records[this.records.length - 1]?.uid === last.uid;
  }

  /** Number of leading records both share. */
  commonPrefixLength(other: Wal): number {
    let lo = 0;
    let hi = Math.min(this.length, other.length);
    // Shared prefixes are contiguous: binary search for the last shared index.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.records[mid - 1]?.uid === other.records[mid - 1]?.uid) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Copies records [this.length, upTo) of `source` (which this WAL must be a prefix of). */
  copyFrom(source: Wal, upTo: number, nowMs: number): number {
    let copied = 0;
    for (let i = this.records.length; i < upTo; i++) {
      const record = source.records[i];
      if (!record) break;
      this.records.push(record);
      this.arrivedAtMs.push(nowMs);
      copied++;
    }
    return copied;
  }

  truncate(length: number): void {
    this.records.length = Math.min(this.records.length, length);
    this.arrivedAtMs.length = this.records.length;
  }

  clear(): void {
    this.truncate(0);
  }

  /** The timeline switches in this WAL (what `<tli>.history` would list). */
  history(): TimelineSwitch[] {
    const switches: TimelineSwitch[] = [];
    let previous: WalRecord | null = null;
    for (const record of this.records) {
      if (previous && record.tli !== previous.tli) {
        switches.push({ parentTli: previous.tli, tli: record.tli, switchLsn: record.startLsn });
      }
      previous = record;
    }
    return switches;
  }
}

/** `X/Y` as PostgreSQL prints an LSN. */
export function formatLsn(lsn: number): string {
  const hi = Math.floor(lsn / 4294967296);
  const lo = lsn % 4294967296;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}
