/**
 * The health-check decision (rest-api.md §4.2-4.4): path, query and the node's view → 200 or 503. Pure.
 */
import { parseTags } from '@patroni/ha-core';
import { isStandbyCluster, maximumLagOnFailoverBytes } from './global-config.js';
import type { NodeView, StatusDocument } from './status-document.js';
import { parseIntWithUnit } from './units.js';

/** Query parameters as Patroni reads them: the first value of each name. */
export type QueryParams = ReadonlyMap<string, string>;

type Code = 200 | 503;

interface RoleCodes {
  readonly leader: Code;
  readonly primary: Code;
  readonly standbyLeader: Code;
  readonly replica: Code;
}

function lagLimitBytes(query: QueryParams): number {
  const raw = query.get('lag');
  return (raw === undefined ? null : parseIntWithUnit(raw, 'B')) ?? Number.MAX_SAFE_INTEGER;
}

function numberAt(record: unknown, key: string): number {
  if (typeof record !== 'object' || record === null) return 0;
  const value = (record as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : 0;
}

function leaderLsnOf(view: NodeView, doc: StatusDocument): number {
  return Math.max(view.cluster?.status.lastLsn ?? 0, doc.latestEndLsn);
}

function replicaCode(view: NodeView, doc: StatusDocument, query: QueryParams): Code {
  const body = doc.body;
  const leaderLsn = leaderLsnOf(view, doc);
  const replayed = numberAt(body.xlog, 'replayed_location');
  const lagging = leaderLsn !== 0 && leaderLsn > replayed + lagLimitBytes(query);
  const wantedState = query.get('replication_state');
  const stateMatches = !wantedState || body.replication_state === wantedState;
  const noloadbalance = parseTags(view.status.tags).noloadbalance;
  const ok =
    !noloadbalance && !lagging && body.role === 'replica' && body.state === 'running' && stateMatches;
  return ok ? 200 : 503;
}

function roleCodes(view: NodeView, doc: StatusDocument, query: QueryParams): RoleCodes {
  const role = doc.body.role;
  let replica = replicaCode(view, doc, query);
  if (!view.cluster && doc.body.pause) {
    return {
      leader: role === 'primary' || role === 'standby_leader' ? 200 : 503,
      primary: role === 'primary' ? 200 : 503,
      standbyLeader: role === 'standby_leader' ? 200 : 503,
      replica,
    };
  }
  if (view.isLeader) {
    if (isStandbyCluster(view.status.dynamicConfig)) {
      replica = 503;
      const standbyLeader = role === 'replica' || role === 'standby_leader' ? 200 : 503;
      return { leader: 200, primary: 503, standbyLeader, replica };
    }
    return { leader: 200, primary: 200, standbyLeader: 503, replica };
  }
  return { leader: 503, primary: 503, standbyLeader: 503, replica };
}

function tagText(value: unknown): string {
  return typeof value === 'string' ? value : String(value).toLowerCase();
}

/** `?tag_<name>=<value>`: every named tag must exist on this node with that value. */
function tagsMatch(view: NodeView, query: QueryParams): boolean {
  for (const [name, expected] of query) {
    if (!name.startsWith('tag_')) continue;
    const actual = view.status.tags[name.slice(4)];
    if (actual === undefined || actual === null) return false;
    if (tagText(actual) !== expected) return false;
  }
  return true;
}

function dcsDependentCode(path: string, codes: RoleCodes, body: Readonly<Record<string, unknown>>): Code {
  const isSync = Boolean(body.sync_standby);
  const isQuorum = Boolean(body.quorum_standby);
  const primaryLike = codes.primary === 200 || codes.standbyLeader === 200;
  if ((path === '/sync' || path === '/synchronous') && isSync) return codes.replica;
  if (path === '/quorum' && isQuorum) return codes.replica;
  if ((path === '/async' || path === '/asynchronous') && !isSync && !isQuorum) return codes.replica;
  if (path === '/read-only-quorum') return primaryLike ? 200 : isQuorum ? codes.replica : 503;
  if (path === '/read-only-sync' || path === '/read-only-synchronous') {
    return primaryLike ? 200 : isSync ? codes.replica : 503;
  }
  return 503;
}

/** The code of the generic health handler for `path` (without query string). */
export function healthCheckCode(path: string, query: QueryParams, view: NodeView, doc: StatusDocument): Code {
  const effectivePath = path === '/' ? '/primary' : path;
  const codes = roleCodes(view, doc, query);
  const body = doc.body;
  let code: Code = 503;
  let applyTags = true;
  if (effectivePath.includes('standby_leader') || effectivePath.includes('standby-leader')) {
    code = codes.standbyLeader;
    applyTags = false;
  } else if (effectivePath.includes('leader')) {
    code = codes.leader;
    applyTags = false;
  } else if (['master', 'primary', 'read-write'].some((word) => effectivePath.includes(word))) {
    code = codes.primary;
    applyTags = false;
  } else if (effectivePath.includes('replica')) {
    code = codes.replica;
  } else if (
    effectivePath.includes('read-only') &&
    !effectivePath.includes('sync') &&
    !effectivePath.includes('quorum')
  ) {
    code = codes.primary === 200 || codes.standbyLeader === 200 ? 200 : codes.replica;
  } else if (effectivePath.includes('health')) {
    code = body.state === 'running' ? 200 : 503;
  } else if (view.cluster) {
    code = dcsDependentCode(effectivePath, codes, body);
  }
  if (applyTags && code === 200 && !tagsMatch(view, query)) code = 503;
  return code;
}

/** `GET /liveness` (§5): the HA loop is alive, or maintenance mode is on. */
export function livenessCode(view: NodeView, nowMs: number): Code {
  const { status } = view;
  if (status.paused) return 200;
  if (status.nextRunAtMs === undefined) return 200;
  const runningPrimary = status.role === 'primary' && status.state === 'running';
  const thresholdMs = status.timing.ttlMs * (runningPrimary ? 1 : 2);
  return status.nextRunAtMs + thresholdMs > nowMs ? 200 : 503;
}

/** `GET /readiness` (§5, [4.x]); the reason is logged at DEBUG by the caller. */
export function readinessCheck(
  view: NodeView,
  doc: StatusDocument,
  query: QueryParams,
): { code: Code; reason: string | null } {
  const fail = (reason: string) => ({ code: 503 as const, reason });
  if (view.isLeader) return { code: 200, reason: null };
  if (view.status.state !== 'running') return fail('PostgreSQL is not running');
  if (doc.body.replication_state !== 'streaming')
    return fail('PostgreSQL replication state is not streaming');
  if (!view.cluster && !doc.latestEndLsn) {
    return view.status.failsafeActive ? { code: 200, reason: null } : fail('DCS is not accessible');
  }
  const mode = query.get('mode') === 'write' ? 'write' : 'apply';
  const position = numberAt(doc.body.xlog, mode === 'write' ? 'received_location' : 'replayed_location');
  const lagBytes = leaderLsnOf(view, doc) - position;
  const rawLimit = query.get('lag');
  const limitBytes =
    (rawLimit === undefined ? null : parseIntWithUnit(rawLimit, 'B')) ??
    maximumLagOnFailoverBytes(view.status.dynamicConfig);
  if (lagBytes > limitBytes) {
    return fail(`Replication ${mode} lag ${lagBytes} exceeds maximum allowable ${limitBytes}`);
  }
  return { code: 200, reason: null };
}
