/**
 * Unsafe (access-checked) handlers: they validate the body, then hand the request to `AgentCommands` and
 * answer what it returns. They never touch Postgres or the DCS themselves.
 */
import type { TLSSocket } from 'node:tls';
import type { CommandResult } from '@patroni/ha-core';
import type { Handler, HandlerContext, RoutedRequest } from './context.js';
import { isFailsafeMode } from './global-config.js';
import {
  reinitializeOptions,
  validateFailsafeHeartbeat,
  validateRestart,
  validateSwitchover,
} from './management-requests.js';
import { pyJson } from './py-json.js';
import { readJsonBody } from './request-body.js';
import { sendErrorPage, sendJson, sendText } from './responses.js';
import { nodeViewOf } from './status-document.js';

function bodyOf(req: RoutedRequest, optional: boolean) {
  return readJsonBody(req.request.headers['content-length'], req.request.body?.toString('utf8'), optional);
}

/** Runs the access check; returns true when the request may proceed (the refusal has been sent otherwise). */
export async function allowed(
  ctx: HandlerContext,
  req: RoutedRequest,
  includeMembers = true,
): Promise<boolean> {
  const socket = req.request.socket;
  const refusal = await ctx.access.check({
    remoteAddress: socket.remoteAddress,
    authorization: req.request.headers.authorization,
    tlsSocket: 'encrypted' in socket && socket.encrypted ? (socket as TLSSocket) : null,
    cluster: nodeViewOf(ctx.getStatus(), ctx.clock()).cluster,
    includeMembers,
  });
  if (!refusal) return true;
  sendText(req.reply, ctx.headers, refusal.status, refusal.message, refusal.headers);
  return false;
}

async function answer(ctx: HandlerContext, req: RoutedRequest, run: () => Promise<CommandResult>) {
  let result: CommandResult;
  try {
    result = await run();
  } catch (error) {
    ctx.logger.error(
      `Exception during ${req.method} ${req.path}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return sendErrorPage(req.reply, ctx.headers, 500);
  }
  if (result.errorPage) return sendErrorPage(req.reply, ctx.headers, result.status);
  if (typeof result.body === 'string')
    return sendText(req.reply, ctx.headers, result.status, result.body, result.headers);
  return sendJson(req.reply, ctx.headers, result.status, pyJson(result.body));
}

function unsafe(
  handler: (ctx: HandlerContext, req: RoutedRequest) => Promise<unknown>,
  includeMembers = true,
): Handler {
  return async (ctx, req) => ((await allowed(ctx, req, includeMembers)) ? handler(ctx, req) : undefined);
}

export const reload = unsafe((ctx, req) => answer(ctx, req, () => ctx.commands.reload()));

export const restart = unsafe(async (ctx, req) => {
  const body = bodyOf(req, true);
  if (!body.ok) return sendErrorPage(req.reply, ctx.headers, body.status);
  const checked = validateRestart(body.value, ctx.getStatus().paused, ctx.clock());
  if (!checked.ok) return sendText(req.reply, ctx.headers, checked.status, checked.message);
  return answer(ctx, req, () => ctx.commands.restart(checked.value));
});

export const cancelRestart = unsafe((ctx, req) =>
  answer(ctx, req, () => ctx.commands.cancelScheduledRestart()),
);

export const reinitialize = unsafe(async (ctx, req) => {
  const body = bodyOf(req, true);
  if (!body.ok) return sendErrorPage(req.reply, ctx.headers, body.status);
  return answer(ctx, req, () => ctx.commands.reinitialize(reinitializeOptions(body.value)));
});

function switchoverHandler(action: 'switchover' | 'failover'): Handler {
  return unsafe(async (ctx, req) => {
    const body = bodyOf(req, false);
    if (!body.ok) return sendErrorPage(req.reply, ctx.headers, body.status);
    const checked = validateSwitchover(body.value, action, ctx.getStatus().paused, ctx.clock());
    if (!checked.ok) return sendText(req.reply, ctx.headers, checked.status, checked.message);
    const { leader, candidate, scheduledAt } = checked.value;
    ctx.logger.info(
      `received ${action} request with leader=${leader ?? 'None'} candidate=${candidate ?? 'None'} scheduled_at=${scheduledAt ?? 'None'}`,
    );
    if (action === 'failover' && leader) {
      ctx.logger.warn('received failover request with leader specified - performing switchover instead');
    }
    return answer(ctx, req, () => ctx.commands.switchover(checked.value));
  });
}

export const switchover = switchoverHandler('switchover');
export const failover = switchoverHandler('failover');

export const cancelSwitchover = unsafe((ctx, req) =>
  answer(ctx, req, () => ctx.commands.cancelScheduledSwitchover()),
);

function configHandler(kind: 'patch' | 'replace'): Handler {
  return unsafe(async (ctx, req) => {
    const body = bodyOf(req, false);
    if (!body.ok) return sendErrorPage(req.reply, ctx.headers, body.status);
    return answer(ctx, req, () => ctx.commands.updateConfig({ kind, value: body.value }));
  });
}

export const patchConfig = configHandler('patch');
export const putConfig = configHandler('replace');

export const failsafeHeartbeat = unsafe(async (ctx, req) => {
  if (!isFailsafeMode(ctx.getStatus().dynamicConfig)) return sendErrorPage(req.reply, ctx.headers, 502);
  const body = bodyOf(req, false);
  if (!body.ok) return sendErrorPage(req.reply, ctx.headers, body.status);
  const heartbeat = validateFailsafeHeartbeat(body.value);
  if (!heartbeat) return sendErrorPage(req.reply, ctx.headers, 400);
  return answer(ctx, req, () => ctx.commands.failsafeHeartbeat(heartbeat));
}, false);

export const sigterm = unsafe(async (ctx, req) =>
  sendText(req.reply, ctx.headers, 202, 'shutdown scheduled'),
);

/** `POST /citus` (checked) and `POST /mpp` (not checked, a Patroni quirk): no MPP support, answered `OK`. */
async function mppEvent(ctx: HandlerContext, req: RoutedRequest) {
  const body = bodyOf(req, false);
  if (!body.ok) return sendErrorPage(req.reply, ctx.headers, body.status);
  return sendText(req.reply, ctx.headers, 200, 'OK');
}
export const citus = unsafe(mppEvent);
export const mpp: Handler = mppEvent;
