import {
  type AgentCommands,
  type Clock,
  type Cluster,
  type CommandResult,
  checkSwitchoverCandidates,
  checkSwitchoverRequest,
  type Dcs,
  type HaLoop,
  type Logger,
  leaderName,
  mergePatch,
  type PeerClient,
  type PostgresQueryResult,
  pythonJsonDumps,
  type RestartRequest,
  type SwitchoverRequest,
} from '@patroni/ha-core';
import { restartRequestToSchedule } from './restart-request.js';

export interface AgentCommandsDeps {
  readonly loop: HaLoop;
  readonly dcs: Dcs;
  readonly peers: PeerClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The status query alone (no pg_controldata): the REST API's health probe. */
  readonly probe: () => Promise<PostgresQueryResult | null>;
  /** Re-reads the config files and applies them (SIGHUP). */
  readonly reload: () => Promise<void>;
}

const PEER_TIMEOUT_MS = 2_000;

/**
 * What the REST API asks of the agent. Cluster-dependent checks and DCS writes happen here; the HA decisions
 * stay in the loop, which these calls only wake or hand work to.
 */
export function createAgentCommands(deps: AgentCommandsDeps): AgentCommands {
  const { loop, dcs, logger } = deps;
  return {
    probePostgres: deps.probe,
    async reload() {
      void deps.reload().catch((error: unknown) => logger.error(`reload failed: ${String(error)}`));
      return { status: 202, body: 'reload scheduled' };
    },
    restart: (request) => restart(deps, request),
    async cancelScheduledRestart() {
      if (!loop.getStatus().scheduledRestart) return { status: 404, body: 'no restarts are scheduled' };
      loop.setScheduledRestart(null);
      return { status: 200, body: 'scheduled restart deleted' };
    },
    reinitialize: (request) => loop.reinitialize(request),
    switchover: (request) => switchover(deps, request),
    async cancelScheduledSwitchover() {
      const cluster = await dcs.loadCluster();
      const failover = cluster.failover;
      if (!failover?.scheduledAt) return { status: 404, body: 'no switchover is scheduled' };
      const ok = await dcs.setFailover({}, failover.version);
      return ok
        ? { status: 200, body: 'scheduled switchover deleted' }
        : { status: 409, body: '', errorPage: true };
    },
    updateConfig: (change) => updateConfig(deps, change),
    async failsafeHeartbeat(payload) {
      return loop.receiveFailsafe(payload);
    },
    loadCluster: () => dcs.loadCluster(),
  };
}

async function restart(deps: AgentCommandsDeps, request: RestartRequest): Promise<CommandResult> {
  const { loop, clock } = deps;
  const filters = restartRequestToSchedule(request, clock.now(), loop.getStatus());
  if (!filters.ok) return { status: 400, body: filters.message };
  if (request.schedule) {
    if (loop.getStatus().scheduledRestart)
      return { status: 409, body: 'Another restart is already scheduled' };
    loop.setScheduledRestart(filters.schedule);
    return { status: 202, body: 'Restart scheduled' };
  }
  const { atMs: _atMs, raw: _raw, postmasterStartTime: _start, ...immediate } = filters.schedule;
  return loop.restartNow(immediate);
}

async function updateConfig(
  deps: AgentCommandsDeps,
  change: { kind: 'patch' | 'replace'; value: Readonly<Record<string, unknown>> },
): Promise<CommandResult> {
  const { dcs, loop } = deps;
  if (change.kind === 'replace') {
    const ok = await dcs.setConfig(pythonJsonDumps(change.value), null);
    if (!ok) return { status: 502, body: '', errorPage: true };
    loop.wake();
    return { status: 200, body: change.value };
  }
  const cluster = await dcs.loadCluster();
  if (!cluster.config?.modifyVersion) return { status: 503, body: '', errorPage: true };
  const patched = mergePatch(cluster.config.data, change.value) as Record<string, unknown>;
  const ok = await dcs.setConfig(pythonJsonDumps(patched), cluster.config.version);
  if (!ok) return { status: 409, body: '', errorPage: true };
  loop.wake();
  return { status: 200, body: patched };
}

async function switchover(deps: AgentCommandsDeps, request: SwitchoverRequest): Promise<CommandResult> {
  const { dcs, loop, clock, peers } = deps;
  const cluster = await dcs.loadCluster();
  const config = loop.getDynamicConfig();
  const check = checkSwitchoverRequest(
    {
      kind: request.kind,
      leader: request.leader ?? null,
      candidate: request.candidate ?? null,
      scheduled: request.scheduledAt !== undefined,
    },
    cluster,
    config,
  );
  if (!check.ok) return { status: check.status, body: check.message };
  if (check.pollTargets.length > 0) {
    const bodies = await Promise.all(
      check.pollTargets.map((target) =>
        peers.fetchStatus(target.apiUrl, AbortSignal.timeout(PEER_TIMEOUT_MS)),
      ),
    );
    const candidates = checkSwitchoverCandidates(check.kind, check.pollTargets, bodies);
    if (!candidates.ok) return { status: candidates.status, body: candidates.message };
  }
  const written = await dcs.setFailover(
    {
      ...(check.leader ? { leader: check.leader } : {}),
      ...(check.candidate ? { member: check.candidate } : {}),
      ...(request.scheduledAt ? { scheduled_at: request.scheduledAt } : {}),
    },
    null,
  );
  if (!written) return { status: 503, body: 'failed to write failover key into DCS' };
  loop.wake();
  if (request.scheduledAt) return { status: 202, body: 'Switchover scheduled' };
  return awaitOutcome(deps, check.kind, leaderName(cluster), check.candidate, clock);
}

/** Polls the DCS once a second until the leader changes, the request vanishes, or time runs out. */
async function awaitOutcome(
  deps: AgentCommandsDeps,
  kind: 'switchover' | 'failover',
  oldLeader: string | null,
  candidate: string | null,
  clock: Clock,
): Promise<CommandResult> {
  const { dcs, loop } = deps;
  const past = kind === 'switchover' ? 'Switched over' : 'Failed over';
  const Action = kind === 'switchover' ? 'Switchover' : 'Failover';
  const loopWaitS = loop.getStatus().timing.loopWaitMs / 1000;
  const deadlineMs = clock.now() + 2 * Math.max(10, loopWaitS) * 1000;
  while (clock.now() < deadlineMs) {
    await clock.sleep(1000);
    let cluster: Cluster;
    try {
      cluster = await dcs.loadCluster();
    } catch {
      continue;
    }
    const leader = leaderName(cluster);
    if (leader && leader !== oldLeader) {
      if (!candidate || leader === candidate) {
        return { status: 200, body: `Successfully ${past.toLowerCase()} to "${leader}"` };
      }
      return { status: 200, body: `${past} to "${leader}" instead of "${candidate}"` };
    }
    const pending = cluster.failover;
    if (!pending || (!pending.leader && !pending.candidate)) return { status: 503, body: `${Action} failed` };
  }
  return { status: 503, body: `${Action} status unknown` };
}
