import type { DynamicConfig } from '../config/types.js';
import type { Clock } from '../dcs/clock.js';
import type { Dcs, Logger } from '../dcs/dcs.js';
import type { PeerTarget } from '../engine/effects.js';
import { handoverCandidates, healthyHandoverCount } from '../engine/handover.js';
import { parsePeerStatus } from '../engine/peer-status.js';
import { syncMatches } from '../model/cluster-queries.js';
import type { Cluster, Lsn, MemberData, MemberName } from '../model/types.js';

/** What the stop-time releases need from the loop. */
export interface ReleasePorts {
  readonly dcs: Dcs;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly me: MemberName;
  /** GET `/patroni` of each target with the loop's peer timeout; parsed bodies, null when unreachable. */
  readonly fetchPeers: (targets: readonly PeerTarget[]) => Promise<readonly unknown[]>;
  /** The dynamic config in effect (sync mode, check_timeline, maximum lag). */
  readonly config: () => DynamicConfig;
}

const POLL_MS = 2000;

/** The early release of one releasing stop (see `earlyLeaderRelease`). */
export interface EarlyRelease {
  /** The stop's hook: starts the wait in the background and returns at once, so the stop is not held up. */
  readonly onShutdownCheckpoint: (checkpointLsn: Lsn) => void;
  /** The stop returned (postmaster gone, or the stop failed): an early release not yet issued is abandoned. */
  readonly stopEnded: () => void;
  /** The key was released early; otherwise the caller releases after the stop (ha-loop.md §8.1 step 5). */
  readonly released: () => boolean;
}

/**
 * The `onShutdownCheckpoint` hook of a releasing fast stop (ha-loop.md §8.1 step 3, §12.4): the postmaster is
 * still up after its shutdown checkpoint (e.g. archiving). Wait 1 s, and when failover is possible with that
 * LSN (§7.3: the named `/failover.member` only, `/sync` standbys only in sync mode, quorum + 1 of them in
 * quorum mode) delete `/leader` at once with `/status.optime` = the checkpoint, so the candidate need not wait
 * for the stop to end. The wait runs beside the stop: when the postmaster exits first, the caller releases
 * right away after the stop instead (Patroni only waits while the postmaster still runs).
 */
export function earlyLeaderRelease(ports: ReleasePorts): EarlyRelease {
  let released = false;
  const stopped = new AbortController();
  const attempt = async (checkpointLsn: Lsn): Promise<void> => {
    await ports.clock.sleep(1000, stopped.signal);
    if (stopped.signal.aborted) return;
    const cluster = await ports.dcs.loadCluster().catch(() => null);
    if (!cluster || cluster.leader?.name !== ports.me) return;
    // is_failover_possible(cluster_lsn = checkpoint): only the named candidate, only /sync standbys (§7.3).
    const config = ports.config();
    const plan = handoverCandidates(cluster, config, ports.me);
    if (plan.targets.length === 0) return;
    const bodies = await ports.fetchPeers(plan.targets);
    const statuses = plan.targets.map((target, i) => parsePeerStatus(target.name, bodies[i] ?? null));
    if (healthyHandoverCount(cluster, config, statuses, checkpointLsn) < plan.needed) return;
    if (stopped.signal.aborted) return;
    released = await ports.dcs.releaseLeader(checkpointLsn).catch(() => false);
    if (released) ports.logger.info('Leader key released');
  };
  return {
    onShutdownCheckpoint: (checkpointLsn) => {
      void attempt(checkpointLsn);
    },
    stopEnded: () => stopped.abort(),
    released: () => released,
  };
}

/**
 * The release after a stop (ha-loop.md §8.1 step 5, §12.4) unless it happened early: delete `/leader`
 * (with `/status.optime` = `lastLsn` when given). Never throws; a failure is logged.
 */
export async function releaseAfterStop(
  ports: Pick<ReleasePorts, 'dcs' | 'logger'>,
  early: EarlyRelease | null,
  lastLsn: Lsn | undefined,
): Promise<void> {
  early?.stopEnded();
  if (early?.released()) return;
  try {
    if (await ports.dcs.releaseLeader(lastLsn)) ports.logger.info('Leader key released');
  } catch (error) {
    ports.logger.warn(`failed to release the leader key: ${String(error)}`);
  }
}

function listedInSync(cluster: Cluster, me: MemberName): boolean {
  return cluster.leader?.name !== me && syncMatches(cluster.sync, me, false);
}

/**
 * A synchronous standby about to stop or restart (ha-loop.md §11.2 "replicas leaving", §12.3, §12.4):
 * publish `nosync: true`, then wait up to 2 × loop_wait (polling every 2 s) until the primary dropped it from
 * `/sync`, so commits stop waiting for it before it goes away. A DCS failure ends the wait.
 */
export async function releaseSyncStandby(
  ports: ReleasePorts,
  memberData: MemberData | null,
  loopWaitMs: number,
): Promise<void> {
  const cluster = await ports.dcs.loadCluster().catch(() => null);
  if (!cluster || !memberData || !listedInSync(cluster, ports.me)) return;
  const tags = { ...(memberData.tags ?? {}), nosync: true };
  if (!(await ports.dcs.touchMember({ ...memberData, tags }).catch(() => false))) return;
  const deadlineMs = ports.clock.now() + 2 * loopWaitMs;
  while (ports.clock.now() < deadlineMs) {
    await ports.clock.sleep(Math.min(POLL_MS, deadlineMs - ports.clock.now()));
    const current = await ports.dcs.loadCluster().catch(() => null);
    if (!current || !listedInSync(current, ports.me)) return;
  }
  ports.logger.warn('Timed out waiting for the primary to remove me from the synchronous standbys');
}
