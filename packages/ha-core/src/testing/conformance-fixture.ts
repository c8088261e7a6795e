import type { DcsKv, KvTiming } from '../dcs/kv.js';
import type { ParseClusterOptions } from '../model/parse-cluster.js';

/**
 * What a backend provides to run `runDcsConformance` against its real server. `makeFixture` is called
 * before every case; give each fixture its own scope (e.g. a random one) on a server started once in the
 * test file, so cases do not see each other's keys.
 */
export interface DcsConformanceFixture {
  /** Timing the agents run with; keep it short (e.g. ttl 4 s, loop_wait 1 s, retry_timeout 1.5 s). */
  readonly timing: KvTiming;
  /** The backend's version sources for `parseCluster` (`BACKEND_VERSION_SOURCES.zookeeper`, ...). */
  readonly parseOptions?: ParseClusterOptions;
  /** What the backend's factory passes to `KvDcs` (etcd3/ZooKeeper: 500). */
  readonly nonLeaderWatchExtraMs?: number;
  /** Extra time the suite allows beyond ttl / retry_timeout for expiry and failure detection (default 2000). */
  readonly slackMs?: number;
  /** A new independent client with its own session, acting as member `memberName` of the fixture's scope. */
  newAgent(memberName: string, timing?: KvTiming): Promise<DcsKv>;
  /** Makes the store unreachable for every agent of this fixture (stop/pause the server, or block clients). */
  makeUnreachable(): Promise<void>;
  /** Undoes `makeUnreachable`; the suite then waits until operations succeed again. */
  restore(): Promise<void>;
  /**
   * Makes the store drop `kv`'s session as if that agent froze past its TTL (its ephemeral keys vanish within
   * ttl). Real backends may close the client without cleanup and let the TTL run out; `kv` is not used after.
   */
  expireSession(kv: DcsKv): Promise<void>;
  /** Closes every agent and removes the fixture's keys; stops nothing shared. */
  cleanup(): Promise<void>;
}

export type DcsConformanceFixtureFactory = () => Promise<DcsConformanceFixture>;
