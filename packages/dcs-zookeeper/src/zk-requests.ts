import { DcsUnavailableError } from '@patroni/ha-core';
import {
  isZkException,
  type ZkAcl,
  type ZkEvent,
  type ZkNativeClient,
  type ZkStat,
  zk,
} from './native-client.js';
import { childrenWatchKey, type ZkConnection } from './zk-connection.js';

/** A znode as read: its text and its stat. */
export interface ZnodeRead {
  readonly value: string;
  readonly stat: ZkStat;
}

export type CreateOutcome = 'created' | 'exists' | 'no-parent';
export type SetOutcome = ZkStat | 'no-node' | 'bad-version';
export type RemoveOutcome = 'removed' | 'no-node' | 'bad-version' | 'not-empty';

/** Errors after which the same request may succeed on a (re)established connection. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof RequestTimeout ||
    isZkException(error, zk.Exception.CONNECTION_LOSS) ||
    isZkException(error, zk.Exception.SESSION_EXPIRED)
  );
}

class RequestTimeout extends Error {}

const MAX_RETRY_DELAY_MS = 1_000;

/**
 * Runs ZooKeeper requests with Patroni's retry policy: fail fast while disconnected, retry transient
 * failures (connection loss, expired session, no answer) with a growing delay of at most 1 s, give up
 * with `DcsUnavailableError` once `retryTimeoutMs` has passed. Expected outcomes (node exists, bad
 * version) come back as values.
 */
export class ZkRequests {
  constructor(
    private readonly connection: ZkConnection,
    private readonly acls: ZkAcl[],
    private retryTimeoutMs: number,
  ) {}

  setRetryTimeout(retryTimeoutMs: number): void {
    this.retryTimeoutMs = retryTimeoutMs;
  }

  /** Runs `operation` (which may issue several requests) until it succeeds or the deadline passes. */
  async run<T>(what: string, operation: (client: ZkNativeClient, attempt: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryTimeoutMs;
    let lastError: unknown = null;
    for (let attempt = 0; ; attempt += 1) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        const reason = lastError instanceof Error ? `: ${lastError.message}` : ': not connected';
        throw new DcsUnavailableError(
          `ZooKeeper did not complete ${what} within ${this.retryTimeoutMs} ms${reason}`,
          { cause: lastError },
        );
      }
      const client = this.connection.connectedClient();
      if (client === null) {
        await this.connection.waitConnected(Math.min(remainingMs, MAX_RETRY_DELAY_MS));
        continue;
      }
      try {
        return await withTimeout(operation(client, attempt), remainingMs);
      } catch (error) {
        if (!isTransient(error)) throw asUnavailable(what, error);
        lastError = error;
        if (error instanceof RequestTimeout) this.connection.dropConnection();
        const delayMs = Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** attempt, Math.max(0, deadline - Date.now()));
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  getData(client: ZkNativeClient, path: string, watch = false): Promise<ZnodeRead | null> {
    const watcher = watch ? this.connection.watcherFor(path) : undefined;
    return new Promise((resolve, reject) => {
      client.getData(path, watcher, (error, data, stat) => {
        if (error === null) resolve({ value: data ? data.toString('utf8') : '', stat });
        else if (error.getCode() === zk.Exception.NO_NODE) resolve(null);
        else reject(error);
      });
    });
  }

  /**
   * Stat of `path` or null; with `watch`, arms a watch that fires on its creation, change or deletion
   * (notifying the listeners of `watchKey`, by default the path's own).
   */
  exists(client: ZkNativeClient, path: string, watch = false, watchKey = path): Promise<ZkStat | null> {
    const watcher: ((event: ZkEvent) => void) | undefined = watch
      ? this.connection.watcherFor(watchKey)
      : undefined;
    return new Promise((resolve, reject) => {
      client.exists(path, watcher, (error, stat) => (error === null ? resolve(stat) : reject(error)));
    });
  }

  /** Children of `path` or null; with `watch`, arms a child watch (a child created or deleted, not updated). */
  getChildren(client: ZkNativeClient, path: string, watch = false): Promise<string[] | null> {
    const watcher = watch ? this.connection.watcherFor(childrenWatchKey(path)) : undefined;
    return new Promise((resolve, reject) => {
      client.getChildren(path, watcher, (error, children) => {
        if (error === null) resolve(children);
        else if (error.getCode() === zk.Exception.NO_NODE) resolve(null);
        else reject(error);
      });
    });
  }

  create(client: ZkNativeClient, path: string, value: string, ephemeral: boolean): Promise<CreateOutcome> {
    const mode = ephemeral ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT;
    return new Promise((resolve, reject) => {
      client.create(path, Buffer.from(value, 'utf8'), this.acls, mode, (error) => {
        if (error === null) resolve('created');
        else if (error.getCode() === zk.Exception.NODE_EXISTS) resolve('exists');
        else if (error.getCode() === zk.Exception.NO_NODE) resolve('no-parent');
        else reject(error);
      });
    });
  }

  /** Creates every missing ancestor (persistent, empty, with our ACLs), like kazoo's makepath. */
  async createParents(client: ZkNativeClient, ancestors: readonly string[]): Promise<void> {
    for (const ancestor of ancestors) {
      const outcome = await this.create(client, ancestor, '', false);
      if (outcome === 'no-parent') throw new Error(`cannot create ${ancestor}: its parent vanished`);
    }
  }

  setData(client: ZkNativeClient, path: string, value: string, version: number): Promise<SetOutcome> {
    return new Promise((resolve, reject) => {
      client.setData(path, Buffer.from(value, 'utf8'), version, (error, stat) => {
        if (error === null) resolve(stat);
        else if (error.getCode() === zk.Exception.NO_NODE) resolve('no-node');
        else if (error.getCode() === zk.Exception.BAD_VERSION) resolve('bad-version');
        else reject(error);
      });
    });
  }

  remove(client: ZkNativeClient, path: string, version: number): Promise<RemoveOutcome> {
    return new Promise((resolve, reject) => {
      client.remove(path, version, (error) => {
        if (error === null) resolve('removed');
        else if (error.getCode() === zk.Exception.NO_NODE) resolve('no-node');
        else if (error.getCode() === zk.Exception.BAD_VERSION) resolve('bad-version');
        else if (error.getCode() === zk.Exception.NOT_EMPTY) resolve('not-empty');
        else reject(error);
      });
    });
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A ZooKeeper error we do not expect (no auth, bad arguments...): the store cannot serve us, say so. */
function asUnavailable(what: string, error: unknown): unknown {
  if (typeof (error as { getCode?: unknown } | null)?.getCode !== 'function') return error;
  return new DcsUnavailableError(`ZooKeeper ${what} failed: ${(error as Error).message}`, { cause: error });
}
