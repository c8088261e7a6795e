/**
 * Patroni's dispatch rule (rest-api.md §2.1): `<METHOD>_<first path segment>` selects a dedicated handler;
 * `GET` without one, and every `HEAD` and `OPTIONS`, goes to the generic health check; anything else is 501.
 */
import type { Handler, HandlerContext, RoutedRequest } from './context.js';
import * as m from './management-handlers.js';
import * as r from './read-handlers.js';
import { sendErrorPage } from './responses.js';

const DEDICATED: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['GET_liveness', r.liveness],
  ['GET_readiness', r.readiness],
  ['GET_patroni', r.patroni],
  ['GET_cluster', r.cluster],
  ['GET_history', r.history],
  ['GET_config', r.config],
  ['GET_metrics', r.metrics],
  ['GET_failsafe', r.failsafe],
  ['PATCH_config', m.patchConfig],
  ['PUT_config', m.putConfig],
  ['POST_reload', m.reload],
  ['POST_restart', m.restart],
  ['DELETE_restart', m.cancelRestart],
  ['POST_reinitialize', m.reinitialize],
  ['POST_switchover', m.switchover],
  ['POST_failover', m.failover],
  ['DELETE_switchover', m.cancelSwitchover],
  ['POST_failsafe', m.failsafeHeartbeat],
  ['POST_citus', m.citus],
  ['POST_mpp', m.mpp],
  ['POST_sigterm', m.sigterm],
]);

function firstSegment(path: string): string {
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  return slash === -1 ? trimmed : trimmed.slice(0, slash);
}

export function route(ctx: HandlerContext, req: RoutedRequest): Promise<unknown> | unknown {
  const segment = firstSegment(req.path);
  const dedicated = DEDICATED.get(segment ? `${req.method}_${segment}` : req.method);
  if (dedicated && req.method !== 'HEAD' && req.method !== 'OPTIONS') return dedicated(ctx, req);
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS')
    return r.healthCheck(ctx, req);
  return sendErrorPage(req.reply, ctx.headers, 501, `Unsupported method ('${req.method}')`);
}
