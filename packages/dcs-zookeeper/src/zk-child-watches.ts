import type { ZkNativeClient } from './native-client.js';
import { waitForChange } from './wait-for-change.js';
import { childrenWatchKey, type ZkConnection } from './zk-connection.js';
import type { ZkRequests } from './zk-requests.js';

/**
 * Child watches behind `watchKeySet`: ZooKeeper fires one when a child znode is created or deleted, never for
 * a data change, which is exactly "the key set changed". Cluster reads list the watched directories anyway
 * and arm the watch while doing so, so a steady cycle costs no extra request; a notification counted since
 * the last read (or arming) means a change the caller has not seen yet.
 */
export class ZkChildWatches {
  private readonly paths = new Set<string>();
  /** Notification count of each watched directory when the caller last saw it (read or armed). */
  private readonly baselines = new Map<string, number>();
  /** The client (session) holding a still unfired watch on each directory. */
  private readonly armedOn = new Map<string, ZkNativeClient>();
  /** Children of every directory the last completed read listed; null before the first read. */
  private seenAtRead: ReadonlyMap<string, readonly string[]> | null = null;

  constructor(
    private readonly connection: ZkConnection,
    private readonly requests: ZkRequests,
  ) {}

  /** Whether a read listing `path` should arm a child watch on it. */
  watches(path: string): boolean {
    return this.paths.has(path);
  }

  /** Notification counts before a read; `readCompleted` makes them the baselines. */
  countsBeforeRead(): Map<string, number> {
    return new Map([...this.paths].map((path) => [path, this.count(path)]));
  }

  /** A read listed `path` with a watch on `client`. */
  armedByRead(path: string, client: ZkNativeClient): void {
    this.armedOn.set(path, client);
  }

  /** A read completed: `counts` from before it, `listed` the children of each directory it listed. */
  readCompleted(counts: ReadonlyMap<string, number>, listed: ReadonlyMap<string, readonly string[]>): void {
    for (const [path, count] of counts) this.baselines.set(path, count);
    this.seenAtRead = listed;
  }

  /**
   * Resolves true when a child of `path` is created or deleted (or was since the last read), or when the
   * connection is lost (as `watch` does); false after `timeoutMs` or on abort. Never throws.
   */
  wait(path: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.track(path);
    const changed = waitForChange(timeoutMs, signal, [
      (wake) => this.connection.onPathEvent(childrenWatchKey(path), wake),
      (wake) => this.connection.onStateChange((event) => event !== 'connected' && wake()),
      (wake) => {
        void this.arm(path).then((armedChanged) => armedChanged && wake());
        return undefined;
      },
    ]);
    return changed.then((result) => {
      if (result) this.baselines.set(path, this.count(path));
      return result;
    });
  }

  private track(path: string): void {
    if (this.paths.has(path)) return;
    this.paths.add(path);
    // A fired watch is spent: the next wait arms a new one unless a read did.
    this.connection.onPathEvent(childrenWatchKey(path), () => this.armedOn.delete(path));
  }

  private count(path: string): number {
    return this.connection.changeCount(childrenWatchKey(path));
  }

  /** Arms the watch unless a live one is armed; true when a change was counted since the baseline. */
  private async arm(path: string): Promise<boolean> {
    const count = this.count(path);
    const baseline = this.baselines.get(path);
    if (baseline !== undefined && baseline !== count) return true;
    const client = this.connection.connectedClient();
    if (client === null || this.armedOn.get(path) === client) return false; // unreachable: wait it out
    this.baselines.set(path, count);
    this.armedOn.set(path, client);
    let children: string[] | null;
    try {
      children = await this.requests.getChildren(client, path, true);
      // No directory yet: its creation (with the first child) fires the existence watch instead.
      if (children === null) await this.requests.exists(client, path, true, childrenWatchKey(path));
    } catch {
      // Connection trouble: the state listener or the timeout ends the wait; the next wait arms again.
      if (this.armedOn.get(path) === client) this.armedOn.delete(path);
      return false;
    }
    // Not watched during the last read: compare with what it listed (a directory it did not list was empty).
    if (this.seenAtRead === null) return false;
    const seen = new Set(this.seenAtRead.get(path) ?? []);
    const now = children ?? [];
    return now.length !== seen.size || now.some((name) => !seen.has(name));
  }
}
