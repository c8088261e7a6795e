/**
 * One HTTP request, start to end: the body for methods that carry one (413 over the limit, closing the
 * connection since the client may still be sending), Patroni's dispatch rule, and a 500 error page with
 * Patroni's `Exception in <METHOD> <url>` log line when a handler throws.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BODY_METHODS, readBody } from './body-reader.js';
import { type HandlerContext, splitTarget } from './context.js';
import { RestReply, type RestRequest } from './exchange.js';
import { sendErrorPage } from './responses.js';
import { route } from './router.js';

async function handle(
  ctx: HandlerContext,
  bodyLimitBytes: number,
  raw: IncomingMessage,
  reply: RestReply,
): Promise<void> {
  const method = raw.method ?? 'GET';
  let body: Buffer | undefined;
  if (BODY_METHODS.has(method)) {
    const read = await readBody(raw, bodyLimitBytes);
    if (!read.ok) {
      reply.header('connection', 'close');
      sendErrorPage(reply, ctx.headers, read.status);
      return;
    }
    body = read.body;
  }
  const url = raw.url ?? '/';
  const request: RestRequest = { method, url, headers: raw.headers, body, socket: raw.socket };
  const { path, query } = splitTarget(url);
  await route(ctx, { method, path, query, request, reply });
}

async function serve(
  ctx: HandlerContext,
  bodyLimitBytes: number,
  raw: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const isHead = raw.method === 'HEAD';
  const reply = new RestReply(res, isHead);
  try {
    await handle(ctx, bodyLimitBytes, raw, reply);
    if (!reply.sent) throw new Error('the handler sent no answer');
  } catch (error) {
    ctx.logger.error(
      `Exception in ${raw.method} ${raw.url}: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (reply.sent) return;
    try {
      // A fresh reply: the failed one may hold a header node refused.
      sendErrorPage(new RestReply(res, isHead), ctx.headers, 500);
    } catch {
      res.destroy();
    }
  }
}

/** The request listener for node's server. */
export function dispatcher(ctx: HandlerContext, bodyLimitBytes: number) {
  return (raw: IncomingMessage, res: ServerResponse): void => {
    void serve(ctx, bodyLimitBytes, raw, res);
  };
}
