import type { Clock } from '../dcs/clock.js';
import type { Dcs, LeaderStatus, Logger } from '../dcs/dcs.js';
import { isDcsUnavailable } from '../dcs/errors.js';
import type { RenewHooks } from '../dcs/kv-dcs.js';
import {
  type Effect,
  EffectFailure,
  type EffectKind,
  type EffectOf,
  type EffectResult,
  type EffectResults,
  type LoadedCluster,
  type PeerTarget,
} from '../engine/effects.js';
import type { Cluster, MemberName } from '../model/types.js';
import type { PostgresPort } from '../ports/postgres.js';
import type { FailsafeHeartbeat } from '../ports/status.js';
import type { ActionRunner } from './action-runner.js';
import type { PeerClient, WatchdogPort } from './ports.js';

export interface ExecutorPorts {
  readonly dcs: Dcs;
  readonly postgres: PostgresPort;
  readonly peers: PeerClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly watchdog: WatchdogPort | null;
  readonly actions: ActionRunner;
  readonly peerTimeoutMs: number;
  /** Reads the DCS and returns the snapshot with the dynamic config in effect for it. */
  readonly loadCluster: () => Promise<LoadedCluster>;
  /** The snapshot of the latest successful load (renewal hands it back to the DCS). */
  readonly lastCluster: () => Cluster;
  readonly clearScheduledRestart: () => void;
}

/** Runs `work` but gives up (null) after `timeoutMs` of clock time: a slow peer counts as unreachable. */
async function withTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | null> {
  const controller = new AbortController();
  const timer = clock.sleep(timeoutMs, controller.signal).then(() => null);
  try {
    return await Promise.race([work(controller.signal).catch(() => null), timer]);
  } finally {
    controller.abort();
  }
}

function fetchAll(ports: ExecutorPorts, targets: readonly PeerTarget[]): Promise<unknown[]> {
  return Promise.all(
    targets.map((t) =>
      withTimeout(ports.clock, ports.peerTimeoutMs, (signal) => ports.peers.fetchStatus(t.apiUrl, signal)),
    ),
  );
}

/** One retry per peer (ha-loop.md §9 step 3). */
function postFailsafeAll(
  ports: ExecutorPorts,
  targets: readonly PeerTarget[],
  payload: FailsafeHeartbeat,
): Promise<boolean[]> {
  const once = (t: PeerTarget) =>
    withTimeout(ports.clock, ports.peerTimeoutMs, (signal) =>
      ports.peers.postFailsafe(t.apiUrl, payload, signal),
    );
  return Promise.all(targets.map(async (t) => (await once(t)) === true || (await once(t)) === true));
}

/** `KvDcs.renewLeader`'s optional hook; a `Dcs` that does not know it ignores the extra argument. */
type RenewWithHook = (
  cluster: Cluster,
  status?: LeaderStatus,
  failsafe?: Readonly<Record<MemberName, string>>,
  hooks?: RenewHooks,
) => Promise<boolean>;

/**
 * The renewal with the watchdog keepalive right after the lease refresh (before `/status` and `/failsafe`
 * writes), or after the whole renewal when the DCS does not call the hook.
 */
async function renewLeader(ports: ExecutorPorts, effect: EffectOf<'dcs.renew-leader'>): Promise<boolean> {
  const watchdog = effect.keepalive ? ports.watchdog : null;
  let keptAlive = false;
  const keepalive = async () => {
    keptAlive = true;
    await watchdog?.keepalive().catch((error: unknown) => {
      ports.logger.warn(`watchdog keepalive failed: ${String(error)}`);
    });
  };
  const renew: RenewWithHook = ports.dcs.renewLeader.bind(ports.dcs);
  const hooks = watchdog ? { afterLeaseRenewed: keepalive } : undefined;
  const renewed = await renew(ports.lastCluster(), effect.status, effect.failsafe ?? undefined, hooks);
  if (renewed && watchdog && !keptAlive) await keepalive();
  return renewed;
}

async function executeDcs(ports: ExecutorPorts, effect: Effect): Promise<EffectResult> {
  const dcs = ports.dcs;
  switch (effect.kind) {
    case 'dcs.load-cluster':
      return ports.loadCluster();
    case 'dcs.acquire-leader':
      return dcs.acquireLeader();
    case 'dcs.renew-leader':
      return renewLeader(ports, effect);
    case 'dcs.release-leader':
      return dcs.releaseLeader(effect.lastLsn ?? undefined);
    case 'dcs.take-leader':
      return dcs.takeLeader();
    case 'dcs.initialize':
      return dcs.initialize(effect.createNew, effect.sysid);
    case 'dcs.cancel-initialization':
      return dcs.cancelInitialization();
    case 'dcs.touch-member':
      return dcs.touchMember(effect.data);
    case 'dcs.set-config':
      return dcs.setConfig(effect.value, effect.version);
    case 'dcs.set-failover':
      return dcs.setFailover(effect.value, effect.version);
    case 'dcs.write-sync':
      return dcs.writeSync(effect.leader, effect.standbys, effect.quorum, effect.version);
    case 'dcs.delete-sync':
      return dcs.deleteSync(effect.version);
    case 'dcs.set-history':
      return dcs.setHistory(effect.value);
    default:
      throw new Error(`not a DCS effect: ${effect.kind}`);
  }
}

async function executePostgres(ports: ExecutorPorts, effect: Effect): Promise<EffectResult> {
  const pg = ports.postgres;
  switch (effect.kind) {
    case 'pg.stop':
      return pg.stop({ ...effect.stop });
    case 'pg.start':
      return pg.start(effect.start, new AbortController().signal);
    case 'pg.configure-follow':
      return pg.configureFollow(effect.upstream);
    case 'pg.check-divergence':
      return pg.checkDivergence(effect.leader);
    case 'pg.checkpoint':
      return pg.checkpoint();
    case 'pg.set-synchronous-standby-names':
      await pg.setSynchronousStandbyNames(effect.value);
      return undefined;
    case 'pg.sync-slots':
      return pg.syncReplicationSlots(effect.desired);
    case 'pg.remove-data-directory':
      return pg.removeDataDirectory(effect.reason);
    case 'callback':
      pg.runCallback(effect.action, effect.role);
      return undefined;
    default:
      throw new Error(`not a Postgres effect: ${effect.kind}`);
  }
}

async function executeOther(ports: ExecutorPorts, effect: Effect): Promise<EffectResult> {
  switch (effect.kind) {
    case 'peers.fetch-status':
      return fetchAll(ports, effect.targets);
    case 'peers.failsafe':
      return postFailsafeAll(ports, effect.targets, effect.payload);
    case 'watchdog.activate':
      return ports.watchdog ? ports.watchdog.activate() : true;
    case 'watchdog.keepalive':
      await ports.watchdog?.keepalive();
      return undefined;
    case 'watchdog.disable':
      await ports.watchdog?.disable();
      return undefined;
    case 'action.start':
      return ports.actions.start(effect.name, effect.work);
    case 'action.cancel':
      return ports.actions.cancel();
    case 'sleep':
      await ports.clock.sleep(effect.ms);
      return undefined;
    case 'scheduled-restart.clear':
      ports.clearScheduledRestart();
      return undefined;
    case 'log':
      ports.logger[effect.level](effect.message);
      return undefined;
    default:
      throw new Error(`unknown effect: ${effect.kind}`);
  }
}

/**
 * Performs one effect. Failures come back as an `EffectFailure` for the executor to throw into the cycle:
 * `dcs-unavailable` for an unreachable DCS, `postgres` for Postgres errors, `other` for anything else.
 */
export async function executeEffect<K extends EffectKind>(
  ports: ExecutorPorts,
  effect: Effect & { kind: K },
): Promise<EffectResults[K] | EffectFailure> {
  try {
    const family = effect.kind.split('.')[0];
    if (family === 'dcs') return (await executeDcs(ports, effect)) as EffectResults[K];
    if (family === 'pg' || family === 'callback')
      return (await executePostgres(ports, effect)) as EffectResults[K];
    return (await executeOther(ports, effect)) as EffectResults[K];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isDcsUnavailable(error)) return new EffectFailure('dcs-unavailable', message);
    const source = effect.kind.startsWith('pg.') ? 'postgres' : 'other';
    return new EffectFailure(source, message);
  }
}
