import type { AckedCommit } from './client.js';
import type { PromotionEvent } from './pg-world.js';
import type { WalRef } from './wal.js';

/** The numbered invariants of the simulator (see README): what a violation breaks. */
export const INVARIANTS = {
  1: 'a node accepts writes as primary only while its leader lease is valid',
  2: 'no acknowledged commit is lost (synchronous_mode_strict)',
  3: 'synchronous_mode: only a node in /sync is promoted automatically',
  4: 'a nofailover / failover_priority 0 node never becomes leader by election',
  5: 'a node lagging more than maximum_lag_on_failover is never promoted automatically',
  6: 'timelines increase with every promotion; /history is consistent',
  7: 'liveness: after faults heal a leader accepts writes and every running node replicates from it',
} as const;

export type InvariantId = keyof typeof INVARIANTS;

export interface Violation {
  readonly invariant: InvariantId;
  readonly atMs: number;
  readonly node: string | null;
  readonly message: string;
}

/** The state invariant 1 looks at after every event. */
export interface WritersView {
  readonly nowMs: number;
  readonly ttlMs: number;
  /** Invariant 1 does not apply (paused recently, or the cluster never had a leader yet). */
  readonly exempt: boolean;
  /** Nodes whose Postgres runs as primary and takes client writes. */
  readonly writers: readonly string[];
  /** Writers whose agent last saw the cluster paused (pause tolerates a primary without the key). */
  readonly pausedWriters: ReadonlySet<string>;
  /** Owner of the leader key in the DCS right now (expiry applied), or null. */
  readonly keyHolder: string | null;
  /** Last time each node's failsafe round succeeded (every member answered `Accepted`). */
  readonly failsafeRenewedAtMs: ReadonlyMap<string, number>;
  /** Last time the DCS applied each node's leader acquire/renew (the start of its lease). */
  readonly leaseRenewedAtMs: ReadonlyMap<string, number>;
}

/** A node won the leader key by election (create-if-absent), with the DCS as it was just before. */
export interface ElectionView {
  readonly atMs: number;
  readonly node: string;
  readonly nofailover: boolean;
  readonly paused: boolean;
  readonly synchronousMode: 'off' | 'on' | 'quorum';
  /** `/sync` leader and standbys (lower-cased), null when the key is empty. */
  readonly sync: { readonly leader: string; readonly standbys: readonly string[] } | null;
  /** `/failover` candidate and leader; null when no request is present. */
  readonly failover: { readonly leader: string | null; readonly member: string | null } | null;
  readonly statusOptime: number;
  /** The winner's WAL position when it won (what it had, at least, when it decided). */
  readonly walEndLsn: number;
  readonly maximumLagOnFailoverBytes: number;
}

/**
 * Checks the invariants from plain facts the simulation hands over. It never looks at the simulation
 * itself, so a test can feed it a hand-made bad history and see it caught.
 */
export class InvariantChecker {
  readonly violations: Violation[] = [];
  /** Writers found without a lease at the previous check: one violation per episode, not per event. */
  private unleased = new Set<string>();

  private fail(invariant: InvariantId, atMs: number, node: string | null, message: string): void {
    this.violations.push({ invariant, atMs, node, message });
  }

  /**
   * Invariant 1: a writer holds the leader key, or its last lease renewal (a DCS renewal, or a failsafe round
   * every member accepted) is at most ttl old. Two writers at once are thus only possible inside the old
   * leader's lease window.
   */
  checkWriters(view: WritersView): void {
    const previous = this.unleased;
    this.unleased = new Set();
    if (view.exempt) return;
    const fresh = (at: number | undefined): boolean => at !== undefined && view.nowMs - at <= view.ttlMs;
    for (const node of view.writers) {
      if (view.keyHolder === node || view.pausedWriters.has(node)) continue;
      if (fresh(view.failsafeRenewedAtMs.get(node)) || fresh(view.leaseRenewedAtMs.get(node))) continue;
      this.unleased.add(node);
      if (previous.has(node)) continue;
      const others = view.writers.filter((w) => w !== node);
      this.fail(
        1,
        view.nowMs,
        node,
        `${node} accepts writes without a valid leader lease (key holder: ${view.keyHolder ?? 'none'}` +
          `${others.length > 0 ? `; other writers: ${others.join(',')}` : ''})`,
      );
    }
  }

  /** Invariants 3, 4, 5 at the moment a node wins the leader race. */
  checkElection(view: ElectionView): void {
    if (view.nofailover) {
      this.fail(4, view.atMs, view.node, `${view.node} is nofailover but won the leader race`);
    }
    const manual = view.failover !== null;
    const chosenByOperator = view.failover?.member?.toLowerCase() === view.node.toLowerCase();
    if (view.synchronousMode === 'on' && view.sync && !view.paused && !chosenByOperator) {
      const me = view.node.toLowerCase();
      if (view.sync.leader !== me && !view.sync.standbys.includes(me)) {
        this.fail(
          3,
          view.atMs,
          view.node,
          `${view.node} won the race but /sync is {leader: ${view.sync.leader}, sync_standby: ${view.sync.standbys.join(',') || 'null'}}`,
        );
      }
    }
    const lagBytes = view.statusOptime - view.walEndLsn;
    if (!manual && !view.paused && lagBytes > view.maximumLagOnFailoverBytes) {
      this.fail(
        5,
        view.atMs,
        view.node,
        `${view.node} won the race ${lagBytes} bytes behind /status optime ${view.statusOptime} (maximum_lag_on_failover ${view.maximumLagOnFailoverBytes})`,
      );
    }
  }

  /** Invariant 2: the newly promoted node has every commit acknowledged so far. */
  checkNoAckedCommitLost(
    atMs: number,
    node: string,
    acked: readonly AckedCommit[],
    contains: (ref: WalRef) => boolean,
  ): void {
    const lost = acked.filter((c) => !contains(c.ref));
    if (lost.length === 0) return;
    const first = lost[0] as AckedCommit;
    this.fail(
      2,
      atMs,
      node,
      `${lost.length} acknowledged commit(s) missing on ${node}; first: #${first.commitId} acked by ${first.node} at lsn ${first.ref.endLsn}`,
    );
  }

  /** Invariant 6: a promotion moves its node to a higher timeline than any it was on. */
  checkPromotion(event: PromotionEvent): void {
    if (event.tli <= event.parentTli) {
      this.fail(6, event.atMs, event.node, `promotion from timeline ${event.parentTli} to ${event.tli}`);
    }
  }

  /**
   * Invariant 6: `/history` as written: parent timelines strictly increase, and each entry is a switch some
   * node's Postgres really made (parent timeline and switch LSN of a recorded promotion).
   */
  checkHistory(
    atMs: number,
    writer: string,
    entries: readonly (readonly [number, number])[],
    promotions: readonly PromotionEvent[],
  ): void {
    let previous = 0;
    for (const [parentTli, switchLsn] of entries) {
      if (parentTli <= previous) {
        this.fail(
          6,
          atMs,
          writer,
          `/history parent timelines do not increase: ${previous} then ${parentTli}`,
        );
      }
      previous = parentTli;
      if (!promotions.some((p) => p.parentTli === parentTli && p.switchLsn === switchLsn)) {
        this.fail(6, atMs, writer, `/history entry [${parentTli}, ${switchLsn}] matches no promotion`);
      }
    }
  }

  /** Invariant 7, evaluated once at the deadline after faults healed. */
  checkLiveness(atMs: number, problem: string | null): void {
    if (problem !== null) this.fail(7, atMs, null, problem);
  }
}
