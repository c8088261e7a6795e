import type { MemberData } from '../model/types.js';
import type { Ctx } from './context.js';

const POSITION_STATES = ['running', 'restarting', 'starting'];

/** The member key this node publishes (dcs.md §3.5, 4.x field set). */
export function memberData(ctx: Ctx): MemberData {
  const local = ctx.input.local;
  const obs = ctx.pg.obs;
  const data: Record<string, unknown> = {};
  if (local.connUrl) data.conn_url = local.connUrl;
  if (local.apiUrl) data.api_url = local.apiUrl;
  data.state = ctx.state.publishedPgState;
  data.role = ctx.state.role;
  data.version = local.patroniVersion;
  if (local.proxyUrl) data.proxy_url = local.proxyUrl;
  if (ctx.state.checkpointAfterPromote === false && ctx.state.role !== 'replica') {
    data.checkpoint_after_promote = false;
  }
  if (Object.keys(local.publishedTags).length > 0) data.tags = local.publishedTags;
  if (obs.pendingRestart) {
    data.pending_restart = true;
    data.pending_restart_reason = obs.pendingRestartReason;
  }
  const action = ctx.input.action?.work.kind ?? ctx.startedAction;
  const query = obs.query;
  if (
    (action === null || action === 'promote') &&
    POSITION_STATES.includes(ctx.state.publishedPgState) &&
    query
  ) {
    data.xlog_location = ctx.pg.walPosition;
    if (query.inRecovery) {
      data.receive_lsn = query.receivedLsn;
      data.replay_lsn = query.replayedLsn;
      const replicationState =
        query.receiverState === 'streaming'
          ? 'streaming'
          : query.restoreCommand
            ? 'in archive recovery'
            : null;
      if (replicationState) data.replication_state = replicationState;
    }
    if (query.timeline) data.timeline = query.timeline;
  }
  if (ctx.input.scheduledRestart) data.scheduled_restart = ctx.input.scheduledRestart.raw;
  if (ctx.config.paused) data.pause = true;
  return data as MemberData;
}
