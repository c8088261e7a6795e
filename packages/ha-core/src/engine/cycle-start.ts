import { isUnlocked, leaderName } from '../model/cluster-queries.js';
import { parseTags } from '../model/tags.js';
import { asLsn, type Member } from '../model/types.js';
import { type Ctx, setLeader } from './context.js';
import { perform, type Step } from './effects.js';

/** Applies the result of a background action that ended since the last cycle (delivered once). */
export function absorbFinishedAction(ctx: Ctx): void {
  const finished = ctx.input.finishedAction;
  if (!finished) return;
  const state = ctx.state;
  const ok = finished.result.ok;
  switch (finished.work.kind) {
    case 'promote':
      if (!ok && finished.result.vetoed) {
        state.prePromoteFailed = true;
        state.checkpointAfterPromote = null;
      } else if (ok) state.role = 'promoted';
      break;
    case 'rewind':
      absorbRewind(ctx);
      break;
    case 'reinitialize':
      state.rewind = 'initial';
      state.rewindExecuted = false;
      break;
    case 'bootstrap':
      if (!ok) state.bootstrapFailed = true;
      else if (finished.work.standbyLeaderSource) {
        state.postBootstrapDone = true;
        state.role = 'standby_leader';
      } else state.role = 'primary';
      break;
    case 'post-bootstrap':
      if (ok) state.postBootstrapDone = true;
      else state.bootstrapFailed = true;
      break;
    case 'clone':
      if (ok) state.role = 'replica';
      break;
    default:
      break;
  }
}

/**
 * postgres.md §7.4.8 / Patroni's rewind: only a pg_rewind that failed against a healthy primary is FAILED.
 * One cut short because its source became unreachable or stopped being a primary, or because the action was
 * cancelled, leaves NEED so a later cycle retries (FAILED only when pg_rewind is no longer usable: the
 * attempt may have damaged pg_control).
 */
function absorbRewind(ctx: Ctx): void {
  const result = ctx.input.finishedAction?.result;
  if (!result) return;
  if (result.ok) {
    ctx.state.rewind = 'success';
    ctx.state.rewindExecuted = true;
  } else if (
    (result.sourceUnavailable || result.cancelled || targetLeftUnclean(ctx)) &&
    ctx.input.rewindUsable
  ) {
    ctx.state.rewind = 'need';
    ctx.state.rewindExecuted = false;
  } else {
    ctx.state.rewind = 'failed';
    ctx.state.rewindExecuted = true;
  }
}

/** pg_control states of a data directory that was not shut down cleanly (postgres.md §7.5). */
const UNCLEAN_STATES = ['in archive recovery', 'in production', 'shutting down', 'in crash recovery'];

/**
 * Not Patroni (which marks such a rewind FAILED and leaves the node diverged): PostgreSQL crashed while the
 * rewind stopped it, so pg_rewind refused a target that was not shut down cleanly. Retry once after the
 * single-user crash recovery the next cycle runs first (§8.3), as if PostgreSQL had been found stopped in
 * that state (sim seed 212). A second failure after that recovery is FAILED.
 */
function targetLeftUnclean(ctx: Ctx): boolean {
  const clusterState = ctx.pg.obs.controlData['Database cluster state'] ?? '';
  return !ctx.pg.running && UNCLEAN_STATES.includes(clusterState) && ctx.state.crashRecoveryStartedMs === 0;
}

const ALIVE_STATES = ['running', 'starting', 'crashed'];

/** Derives the published Postgres state (with `crashed`) and the time spent `starting`. */
export function trackPostgresState(ctx: Ctx): void {
  const { obs, running } = ctx.pg;
  const state = ctx.state;
  state.crashed = running ? false : state.crashed || ALIVE_STATES.includes(obs.state);
  state.publishedPgState = state.crashed ? 'crashed' : obs.state;
  state.startingSinceMs = running && obs.state === 'starting' ? (state.startingSinceMs ?? ctx.nowMs) : null;
}

/** ha-loop.md §3 step 1: load the snapshot, remember old_cluster, inject a failsafe leader. */
export function* loadSnapshot(ctx: Ctx): Step<void> {
  const loaded = yield* perform({ kind: 'dcs.load-cluster' });
  ctx.cluster = loaded.cluster;
  ctx.config = loaded.config;
  ctx.state.dcsLastSeenMs = ctx.nowMs;
  if (!isUnlocked(loaded.cluster) || ctx.state.knownMembers.length === 0) {
    ctx.state.knownMembers = loaded.cluster.members;
    ctx.state.knownLeader = leaderName(loaded.cluster);
  }
  injectFailsafeLeader(ctx);
  if (leaderName(ctx.cluster) !== ctx.me) setLeader(ctx, false);
}

/** ha-loop.md §9: a primary POSTed /failsafe to us within ttl; while unlocked, treat it as the leader. */
function injectFailsafeLeader(ctx: Ctx): void {
  const received = ctx.input.failsafeReceived;
  if (!received || !ctx.config.failsafeMode || !isUnlocked(ctx.cluster)) return;
  if (ctx.nowMs - received.receivedAtMs >= ctx.config.ttlMs) return;
  const payload = received.payload;
  const member: Member = {
    name: payload.name,
    version: null,
    session: null,
    data: { conn_url: payload.conn_url, api_url: payload.api_url, role: 'primary', state: 'running' },
    tags: parseTags({}),
    isRunning: true,
    lsn: asLsn(0),
    patroniVersion: null,
  };
  const status = payload.slots ? { ...ctx.cluster.status, slots: payload.slots } : ctx.cluster.status;
  ctx.cluster = {
    ...ctx.cluster,
    leader: { name: payload.name, version: null, session: null, member },
    status,
  };
}
