/** GET handlers: health checks, probes, status document, metrics, cluster, history, config, failsafe. */
import type { Cluster } from '@patroni/ha-core';
import { clusterJson } from './cluster-json.js';
import type { Handler, HandlerContext } from './context.js';
import { healthCheckCode, livenessCode, readinessCheck } from './health.js';
import { renderMetrics } from './metrics.js';
import { pyJson } from './py-json.js';
import { sendErrorPage, sendJson, sendPlain, sendStatusOnly } from './responses.js';
import { nodeViewOf } from './status-document.js';

/** `GET /<health path>` (JSON body) and `HEAD`/`OPTIONS` on any path (status only). */
export const healthCheck: Handler = async (ctx, req) => {
  const snapshot = await ctx.source.snapshot();
  const code = healthCheckCode(req.path, req.query, snapshot.view, snapshot.doc);
  if (req.method !== 'GET') return sendStatusOnly(req.reply, code);
  return sendJson(req.reply, ctx.headers, code, snapshot.json());
};

export const liveness: Handler = (ctx, req) => {
  const now = ctx.clock();
  return sendStatusOnly(req.reply, livenessCode(nodeViewOf(ctx.getStatus(), now), now));
};

export const readiness: Handler = async (ctx, req) => {
  const status = ctx.getStatus();
  const view = nodeViewOf(status, ctx.clock());
  if (view.isLeader || status.state !== 'running') {
    return sendStatusOnly(req.reply, view.isLeader ? 200 : 503);
  }
  const snapshot = await ctx.source.snapshot();
  const { code, reason } = readinessCheck(snapshot.view, snapshot.doc, req.query);
  if (reason) ctx.logger.debug(`Readiness check failure: ${reason}`);
  return sendStatusOnly(req.reply, code);
};

export const patroni: Handler = async (ctx, req) => {
  const snapshot = await ctx.source.snapshot();
  return sendJson(req.reply, ctx.headers, 200, snapshot.json());
};

export const metrics: Handler = async (ctx, req) => {
  const snapshot = await ctx.source.snapshot();
  const status = snapshot.view.status;
  const text = renderMetrics({
    scope: status.scope,
    name: status.name,
    patroniVersion: status.patroniVersion,
    doc: snapshot.doc.body,
  });
  return sendPlain(req.reply, ctx.headers, text);
};

/** The cached view when still valid, else a fresh read; null when the DCS cannot be read. */
async function cachedOrFresh(ctx: HandlerContext): Promise<Cluster | null> {
  const view = nodeViewOf(ctx.getStatus(), ctx.clock());
  if (view.cluster) return view.cluster;
  return freshCluster(ctx);
}

async function freshCluster(ctx: HandlerContext): Promise<Cluster | null> {
  try {
    return await ctx.commands.loadCluster();
  } catch (error) {
    ctx.logger.warn(
      `Failed to get the cluster from DCS: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  }
}

export const cluster: Handler = async (ctx, req) => {
  const fresh = await freshCluster(ctx);
  if (!fresh) return sendErrorPage(req.reply, ctx.headers, 503);
  const status = ctx.getStatus();
  return sendJson(
    req.reply,
    ctx.headers,
    200,
    pyJson(clusterJson(fresh, status.scope, status.dynamicConfig)),
  );
};

export const history: Handler = async (ctx, req) => {
  const view = await cachedOrFresh(ctx);
  if (!view) return sendErrorPage(req.reply, ctx.headers, 503);
  return sendJson(req.reply, ctx.headers, 200, pyJson(view.history?.lines ?? []));
};

export const config: Handler = async (ctx, req) => {
  const view = await cachedOrFresh(ctx);
  if (!view?.config?.modifyVersion) return sendErrorPage(req.reply, ctx.headers, 502);
  return sendJson(req.reply, ctx.headers, 200, pyJson(view.config.data));
};

export const failsafe: Handler = (ctx, req) => {
  const map = ctx.getStatus().cluster?.failsafe;
  if (!map || typeof map !== 'object') return sendErrorPage(req.reply, ctx.headers, 502);
  return sendJson(req.reply, ctx.headers, 200, pyJson(map));
};
