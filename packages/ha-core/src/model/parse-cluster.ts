/**
 * The one parser from raw DCS key-values to a frozen `Cluster` snapshot, shared by every backend
 * (dcs.md §5). Which backend version field feeds which snapshot version is data (`ParseClusterOptions`).
 */
import type { KvNode, KvSnapshot } from '../dcs/kv.js';
import { deepFreeze } from './freeze.js';
import { buildMember, parseMemberData } from './parse-member.js';
import {
  emptyStatus,
  emptySyncState,
  type Parsed,
  parseConfigValue,
  parseFailoverValue,
  parseFailsafeValue,
  parseHistoryValue,
  parseLegacyOptime,
  parseStatusValue,
  parseSyncValue,
} from './parse-values.js';
import type { Cluster, KeyVersion, Leader, Member, ParseProblem, Status } from './types.js';

/** Which node field a snapshot version comes from: the key's `version` or the backend's `altVersion`. */
export type VersionSource = 'version' | 'altVersion';

export interface ParseClusterOptions {
  /** config `modifyVersion` (ZooKeeper: mzxid = altVersion). Default `version`. */
  readonly configModifyVersion?: VersionSource;
  /** history version (ZooKeeper: mzxid = altVersion). Default `version`. */
  readonly historyVersion?: VersionSource;
  /** leader version (etcd v2: the watch index = altVersion). Default `version`. */
  readonly leaderVersion?: VersionSource;
}

/** The version sources each backend uses (dcs.md §5 table). */
export const BACKEND_VERSION_SOURCES = {
  etcd3: {},
  consul: {},
  etcd: { leaderVersion: 'altVersion' },
  zookeeper: { configModifyVersion: 'altVersion', historyVersion: 'altVersion' },
} as const satisfies Readonly<Record<string, ParseClusterOptions>>;

export const KEY = {
  initialize: 'initialize',
  config: 'config',
  leader: 'leader',
  status: 'status',
  legacyOptime: 'optime/leader',
  failover: 'failover',
  sync: 'sync',
  history: 'history',
  failsafe: 'failsafe',
  membersPrefix: 'members/',
} as const;

function pickVersion(node: KvNode, source: VersionSource | undefined): KeyVersion {
  return source === 'altVersion' ? (node.altVersion ?? node.version) : node.version;
}

/** A member name is the one path segment after `members/`; deeper keys are not members. */
function memberNameOf(key: string): string | null {
  if (!key.startsWith(KEY.membersPrefix)) return null;
  const name = key.slice(KEY.membersPrefix.length);
  return name !== '' && !name.includes('/') ? name : null;
}

function stubMember(name: string): Member {
  return buildMember(name, null, null, {});
}

class ProblemLog {
  readonly problems: ParseProblem[] = [];
  take<T>(key: string, parsed: Parsed<T>): T {
    if (parsed.problem !== null) this.problems.push({ key, message: parsed.problem });
    return parsed.value;
  }
}

function parseMembers(nodes: readonly KvNode[], log: ProblemLog): Member[] {
  const members: Member[] = [];
  for (const node of nodes) {
    const name = memberNameOf(node.key);
    if (name === null) continue;
    const { data, problem } = parseMemberData(node.value);
    if (problem !== null) log.problems.push({ key: node.key, message: problem });
    members.push(buildMember(name, node.version, node.session, data));
  }
  return members;
}

function parseLeader(
  node: KvNode | undefined,
  members: readonly Member[],
  options: ParseClusterOptions,
): Leader | null {
  if (!node) return null;
  const name = node.value;
  const member = members.find((m) => m.name === name) ?? stubMember(name);
  return { name, version: pickVersion(node, options.leaderVersion), session: node.session, member };
}

function parseStatus(byKey: ReadonlyMap<string, KvNode>, log: ProblemLog): Status {
  const status = byKey.get(KEY.status);
  if (status) return log.take(KEY.status, parseStatusValue(status.value));
  const legacy = byKey.get(KEY.legacyOptime);
  if (legacy) return log.take(KEY.legacyOptime, parseLegacyOptime(legacy.value));
  return emptyStatus();
}

/** Builds the frozen snapshot. Never throws on values: problems are listed in `cluster.problems`. */
export function parseCluster(snapshot: KvSnapshot, options: ParseClusterOptions = {}): Cluster {
  const byKey = new Map(snapshot.nodes.map((node) => [node.key, node] as const));
  const log = new ProblemLog();
  const members = parseMembers(snapshot.nodes, log);
  const config = byKey.get(KEY.config);
  const failover = byKey.get(KEY.failover);
  const sync = byKey.get(KEY.sync);
  const history = byKey.get(KEY.history);
  const failsafe = byKey.get(KEY.failsafe);
  const cluster: Cluster = {
    initialize: byKey.get(KEY.initialize)?.value ?? null,
    config: config
      ? log.take(
          KEY.config,
          parseConfigValue(config.value, config.version, pickVersion(config, options.configModifyVersion)),
        )
      : null,
    leader: parseLeader(byKey.get(KEY.leader), members, options),
    status: parseStatus(byKey, log),
    members,
    failover: failover ? log.take(KEY.failover, parseFailoverValue(failover.value, failover.version)) : null,
    sync: sync ? log.take(KEY.sync, parseSyncValue(sync.value, sync.version)) : emptySyncState(),
    history: history
      ? log.take(KEY.history, parseHistoryValue(history.value, pickVersion(history, options.historyVersion)))
      : null,
    failsafe: failsafe ? log.take(KEY.failsafe, parseFailsafeValue(failsafe.value)) : null,
    problems: log.problems,
  };
  return deepFreeze(cluster);
}

/** The snapshot of a cluster with no keys at all. */
export function emptyCluster(): Cluster {
  return parseCluster({ nodes: [] });
}
