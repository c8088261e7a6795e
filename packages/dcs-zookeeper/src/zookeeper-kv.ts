import {
  clusterBasePath,
  type DcsKv,
  type DcsScope,
  type KeyVersion,
  type KvCapabilities,
  type KvCondition,
  type KvNode,
  type KvSnapshot,
  type KvTiming,
  type KvWriteOptions,
  type KvWriteResult,
  type Logger,
} from '@patroni/ha-core';
import { buildAcls } from './acl.js';
import type { ZooKeeperConfig } from './config.js';
import { longToString, type ZkNativeClient } from './native-client.js';
import { ancestorsOf, isContainerKey, znodePath } from './paths.js';
import { waitForChange } from './wait-for-change.js';
import { ZkChildWatches } from './zk-child-watches.js';
import { ZkConnection } from './zk-connection.js';
import { type ZkRequests as Requests, ZkRequests, type ZnodeRead } from './zk-requests.js';

export interface ZooKeeperKvOptions {
  readonly config: ZooKeeperConfig;
  readonly scope: Pick<DcsScope, 'namespace' | 'scope'>;
  readonly timing: KvTiming;
  readonly logger: Logger;
}

const connections = new WeakMap<ZooKeeperKv, ZkConnection>();

/** Package-internal (tests): the session id and password of a kv's current session, to expire it on purpose. */
export function sessionCredentialsOf(kv: ZooKeeperKv): { id: Buffer; password: Buffer } | null {
  return connections.get(kv)?.sessionCredentials() ?? null;
}

/** One cluster read in progress: keys found, znodes seen, children listed per directory. */
interface TreeRead {
  readonly client: ZkNativeClient;
  readonly found: KvNode[];
  readonly seen: Set<string>;
  readonly listed: Map<string, readonly string[]>;
}

const FAILED: KvWriteResult = { ok: false };
const written = (version: number): KvWriteResult => ({ ok: true, version: String(version) });

/** A znode version from a KeyVersion; null when it is not one (a condition on it can never hold). */
function znodeVersion(version: KeyVersion): number | null {
  return /^\d+$/.test(version) ? Number(version) : null;
}

/**
 * ha-core's key-value layer on ZooKeeper (dcs.md §7.4): znodes under `/<namespace>/<scope>/`, ephemeral
 * leader and member znodes tied to this agent's session (timeout = ttl), znode versions for CAS.
 */
export class ZooKeeperKv implements DcsKv {
  readonly capabilities: KvCapabilities = { ephemeralByKeyTtl: false, leaderWatchIndex: false };
  readonly basePath: string;
  private readonly connection: ZkConnection;
  private readonly requests: Requests;
  /** Paths callers watch: every read arms a ZooKeeper watch on them, so no change slips between reads. */
  private readonly watchedPaths = new Set<string>();
  private readonly changeCountAtRead = new Map<string, number>();
  private readonly childWatches: ZkChildWatches;

  constructor(options: ZooKeeperKvOptions) {
    this.basePath = clusterBasePath(options.scope);
    this.connection = new ZkConnection({
      hosts: options.config.hosts,
      sessionTimeoutMs: options.timing.ttlMs,
      loopWaitMs: options.timing.loopWaitMs,
      authData: options.config.authData,
      logger: options.logger,
    });
    connections.set(this, this.connection);
    this.requests = new ZkRequests(
      this.connection,
      buildAcls(options.config.acls),
      options.timing.retryTimeoutMs,
    );
    this.childWatches = new ZkChildWatches(this.connection, this.requests);
    this.watchedPaths.add(znodePath(this.basePath, 'leader'));
  }

  async readAll(_options: { consistent: boolean }): Promise<KvSnapshot> {
    const nodes = await this.requests.run('read of the cluster', async (client) => {
      const counts = new Map([...this.watchedPaths].map((p) => [p, this.connection.changeCount(p)]));
      const childCounts = this.childWatches.countsBeforeRead();
      const tree: TreeRead = { client, found: [], seen: new Set(), listed: new Map() };
      await this.readTree(tree, this.basePath, '');
      // Watched keys that are absent get an existence watch, so their creation wakes a watcher too.
      const absent = [...this.watchedPaths].filter((p) => !tree.seen.has(p));
      await Promise.all(absent.map((p) => this.requests.exists(client, p, true)));
      for (const [path, count] of counts) this.changeCountAtRead.set(path, count);
      this.childWatches.readCompleted(childCounts, tree.listed);
      return tree.found;
    });
    nodes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { nodes };
  }

  private async readTree(tree: TreeRead, path: string, prefix: string): Promise<void> {
    const watchChildren = this.childWatches.watches(path);
    const children = await this.requests.getChildren(tree.client, path, watchChildren);
    if (children === null) return;
    tree.listed.set(path, children);
    if (watchChildren) this.childWatches.armedByRead(path, tree.client);
    await Promise.all(
      children.map(async (name) => {
        const childPath = `${path}/${name}`;
        const key = prefix === '' ? name : `${prefix}/${name}`;
        const read = await this.requests.getData(tree.client, childPath, this.watchedPaths.has(childPath));
        if (read === null) return; // deleted between the listing and the read
        tree.seen.add(childPath);
        if (read.stat.numChildren > 0) await this.readTree(tree, childPath, key);
        if (isContainerKey(key) || (read.stat.numChildren > 0 && read.value === '')) return;
        tree.found.push(this.toKvNode(key, read));
      }),
    );
  }

  private toKvNode(key: string, read: ZnodeRead): KvNode {
    const owner = longToString(read.stat.ephemeralOwner);
    return {
      key,
      value: read.value,
      version: String(read.stat.version),
      session: owner === '0' ? null : owner,
      altVersion: longToString(read.stat.mzxid),
    };
  }

  write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    const path = znodePath(this.basePath, key);
    const ephemeral = options.ephemeral ?? false;
    const condition = options.condition;
    return this.requests.run(`write of ${key}`, async (client, attempt) => {
      if (condition === undefined) return this.upsert(client, path, value, ephemeral);
      if (condition.kind === 'absent') return this.createNew(client, path, value, ephemeral, attempt > 0);
      if (condition.kind === 'version' && !ephemeral) {
        const version = znodeVersion(condition.version);
        if (version === null) return FAILED;
        const set = await this.requests.setData(client, path, value, version);
        return typeof set === 'string' ? FAILED : written(set.version);
      }
      const read = await this.requests.getData(client, path);
      if (read === null || !conditionHolds(condition, read)) return FAILED;
      return this.replace(client, path, value, ephemeral, read);
    });
  }

  /** Creates `path` (and missing parents); an ephemeral one is bound to our session. */
  private async createNew(
    client: ZkNativeClient,
    path: string,
    value: string,
    ephemeral: boolean,
    retried: boolean,
  ): Promise<KvWriteResult> {
    let outcome = await this.requests.create(client, path, value, ephemeral);
    if (outcome === 'no-parent') {
      await this.requests.createParents(client, ancestorsOf(path));
      outcome = await this.requests.create(client, path, value, ephemeral);
    }
    if (outcome === 'created') return written(0);
    if (outcome === 'exists' && retried && ephemeral) {
      // Our first attempt may have landed before the connection dropped: then the znode is ours.
      const read = await this.requests.getData(client, path);
      if (read !== null && this.ownedByUs(read) && read.value === value) return written(read.stat.version);
    }
    return FAILED;
  }

  /** Replaces a znode we just read, keeping the read version as the CAS guard. */
  private async replace(
    client: ZkNativeClient,
    path: string,
    value: string,
    ephemeral: boolean,
    read: ZnodeRead,
  ): Promise<KvWriteResult> {
    if (ephemeral && !this.ownedByUs(read)) {
      // Bound to another (older) session: recreate it under ours, as Patroni does for leader and member.
      const removed = await this.requests.remove(client, path, read.stat.version);
      if (removed !== 'removed') return FAILED;
      return this.createNew(client, path, value, true, false);
    }
    // An unchanged ephemeral znode stays as it is (no version bump, no wake-up for watchers).
    if (ephemeral && read.value === value) return written(read.stat.version);
    const set = await this.requests.setData(client, path, value, read.stat.version);
    return typeof set === 'string' ? FAILED : written(set.version);
  }

  private async upsert(
    client: ZkNativeClient,
    path: string,
    value: string,
    ephemeral: boolean,
  ): Promise<KvWriteResult> {
    // A few rounds absorb races with other writers; each round is a complete, guarded attempt.
    for (let round = 0; round < 3; round += 1) {
      if (!ephemeral) {
        const set = await this.requests.setData(client, path, value, -1);
        if (typeof set !== 'string') return written(set.version);
      }
      const read = await this.requests.getData(client, path);
      const result =
        read === null
          ? await this.createNew(client, path, value, ephemeral, false)
          : await this.replace(client, path, value, ephemeral, read);
      if (result.ok) return result;
    }
    return FAILED;
  }

  private ownedByUs(read: ZnodeRead): boolean {
    const session = this.connection.sessionId();
    return session !== null && longToString(read.stat.ephemeralOwner) === session;
  }

  remove(key: string, condition?: KvCondition): Promise<boolean> {
    const path = znodePath(this.basePath, key);
    return this.requests.run(`delete of ${key}`, async (client) => {
      if (condition === undefined) {
        const outcome = await this.requests.remove(client, path, -1);
        return outcome === 'removed' || outcome === 'no-node';
      }
      if (condition.kind === 'absent') return (await this.requests.exists(client, path)) === null;
      if (condition.kind === 'version') {
        const version = znodeVersion(condition.version);
        return version !== null && (await this.requests.remove(client, path, version)) === 'removed';
      }
      const read = await this.requests.getData(client, path);
      if (read === null || read.value !== condition.value) return false;
      return (await this.requests.remove(client, path, read.stat.version)) === 'removed';
    });
  }

  async removeAll(): Promise<void> {
    await this.requests.run('delete of the cluster', async (client) => {
      // Another writer may add a child while we delete: list and delete again until the tree is gone.
      for (let round = 0; round < 5; round += 1) {
        const paths = await this.listSubtree(client, this.basePath);
        let complete = true;
        for (const path of paths.reverse()) {
          if ((await this.requests.remove(client, path, -1)) === 'not-empty') complete = false;
        }
        if (complete) return;
      }
      throw new Error(`${this.basePath} keeps getting new children`);
    });
  }

  /** `path` and every descendant, parents before children. */
  private async listSubtree(client: ZkNativeClient, path: string): Promise<string[]> {
    const children = await this.requests.getChildren(client, path);
    if (children === null) return [];
    const below = await Promise.all(children.map((name) => this.listSubtree(client, `${path}/${name}`)));
    return [path, ...below.flat()];
  }

  async refreshSession(_force: boolean): Promise<void> {
    // ZooKeeper keeps the session alive with the client's pings; an expired one is replaced at once by the
    // connection. Here we only make sure a client exists (patronictl connects lazily).
    this.connection.connectedClient();
  }

  sessionId(): string | null {
    return this.connection.sessionId();
  }

  watch(
    key: string,
    sinceVersion: KeyVersion | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const path = znodePath(this.basePath, key);
    this.watchedPaths.add(path);
    return waitForChange(timeoutMs, signal, [
      (wake) => this.connection.onPathEvent(path, wake),
      // A lost connection or session wakes the loop too (Patroni's session listener does the same).
      (wake) => this.connection.onStateChange((event) => event !== 'connected' && wake()),
      (wake) => {
        void this.armWatch(path, sinceVersion).then((changed) => changed && wake());
        return undefined;
      },
    ]);
  }

  /** Arms a watch on `path`; true when it already changed after `sinceVersion` / since the last read. */
  private async armWatch(path: string, sinceVersion: KeyVersion | null): Promise<boolean> {
    const client = this.connection.connectedClient();
    if (client === null) return false; // unreachable: the caller waits out its timeout
    let stat: Awaited<ReturnType<ZkRequests['exists']>>;
    try {
      stat = await this.requests.exists(client, path, true);
    } catch {
      return false;
    }
    const countAtRead = this.changeCountAtRead.get(path);
    const count = this.connection.changeCount(path);
    if (countAtRead !== undefined && count !== countAtRead) {
      // Changed after the last read (a delete and re-create leaves the same version 0 behind).
      this.changeCountAtRead.set(path, count);
      return true;
    }
    if (sinceVersion === null) return false;
    return stat === null || String(stat.version) !== sinceVersion;
  }

  /**
   * Wakes when a znode directly under `prefix` is created or deleted: a child watch on that directory,
   * armed by every cluster read (no extra request per cycle), fires for nothing else.
   */
  watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.childWatches.wait(znodePath(this.basePath, prefix.replace(/\/+$/, '')), timeoutMs, signal);
  }

  setTiming(timing: KvTiming): void {
    this.requests.setRetryTimeout(timing.retryTimeoutMs);
    this.connection.setSessionTimeout(timing.ttlMs);
    this.connection.setLoopWait(timing.loopWaitMs);
  }

  /** Points the client at another server list, keeping the session (used by the Exhibitor backend). */
  setHosts(hosts: readonly string[]): void {
    this.connection.setHosts(hosts);
  }

  currentHosts(): readonly string[] {
    return this.connection.currentHosts();
  }

  async close(options?: { keepSession?: boolean }): Promise<void> {
    await this.connection.close({ keepSession: options?.keepSession ?? false });
  }
}

function conditionHolds(condition: Exclude<KvCondition, { kind: 'absent' }>, read: ZnodeRead): boolean {
  return condition.kind === 'value'
    ? read.value === condition.value
    : String(read.stat.version) === condition.version;
}
