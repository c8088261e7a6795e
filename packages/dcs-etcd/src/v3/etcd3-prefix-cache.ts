import type { KeyVersion, KvNode, KvSnapshot, Logger } from '@patroni/ha-core';
import type { Etcd3, IKeyValue, IWatchResponse } from 'etcd3';
import { closeStream } from './etcd3-streams.js';

type WatchStream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

/**
 * A freshness check's outcome: `fresh` (etcd's revision is one the cache is complete up to), `behind`
 * (etcd moved on since: read directly), `not-ready`, or `no-answer` (etcd paused, cut off, or too old).
 */
export type Freshness = 'fresh' | 'behind' | 'not-ready' | 'no-answer';

/** What happened to a cached key; `dropped` (key null) when the cache itself was dropped. */
export type CacheChange =
  | { readonly kind: 'created' | 'updated' | 'deleted'; readonly key: string }
  | { readonly kind: 'dropped'; readonly key: null };

/** The keys directly under `prefix` (`members/pg1` for `members/`, not `members/pg1/x`). */
export function directChildren(keys: Iterable<string>, prefix: string): Set<string> {
  const children = new Set<string>();
  for (const key of keys) {
    if (key.startsWith(prefix) && key.length > prefix.length && !key.slice(prefix.length).includes('/'))
      children.add(key);
  }
  return children;
}

const revisionOf = (version: KeyVersion | undefined) =>
  version !== undefined && /^\d+$/.test(version) ? BigInt(version) : -1n;

/**
 * The cluster prefix kept in memory by one long-lived watch stream (dcs.md §7.1 "Watch/cache"): filled
 * from a range at revision R, then every event from R+1 on. Ready once etcd confirmed the watch. A stream
 * error, end, cancel or compaction drops the cache (callers then read directly and start it again).
 *
 * `completeUpTo` is the revision up to which every change under the prefix is in the cache: a range's
 * revision, an event response's revision (etcd sends a watcher's events in order), or our own write's when
 * it directly follows. Before a read is served, `confirm` sends one progress request: etcd answers with its
 * current revision, and only when that equals `completeUpTo` is the cache served. A progress answer alone
 * proves nothing about events still queued (etcd 3.4 may answer before sending them, e.g. while the watcher
 * catches up): a newer revision means a direct read; no answer within the timeout drops the cache.
 */
export class PrefixWatchCache {
  readonly #prefix: Buffer;
  readonly #rangeEnd: Buffer;
  readonly #logger: Logger;
  #nodes = new Map<string, KvNode>();
  /** Revision of each key's last deletion, so an older PUT arriving later does not resurrect it. */
  #deletedAt = new Map<string, bigint>();
  #stream: WatchStream | null = null;
  #state: 'idle' | 'starting' | 'ready' = 'idle';
  /** Bumped on every (re)start and drop: callbacks of an older stream are ignored. */
  #generation = 0;
  #changeListeners = new Set<(change: CacheChange) => void>();
  #progressWaiters = new Set<(revision: bigint | null) => void>();
  #completeUpTo = -1n;

  constructor(prefix: Buffer, rangeEnd: Buffer, logger: Logger) {
    this.#prefix = prefix;
    this.#rangeEnd = rangeEnd;
    this.#logger = logger;
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  get idle(): boolean {
    return this.#state === 'idle';
  }

  snapshot(): KvSnapshot {
    const nodes = [...this.#nodes.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { nodes };
  }

  /** The cached keys. Only meaningful while ready. */
  keys(): IterableIterator<string> {
    return this.#nodes.keys();
  }

  /** The cached version of `key`; null when absent. Only meaningful while ready. */
  version(key: string): KeyVersion | null {
    return this.#nodes.get(key)?.version ?? null;
  }

  /** Opens the watch from `revision + 1` over the nodes a range read at `revision`. */
  async start(client: Etcd3, nodes: readonly KvNode[], revision: string): Promise<void> {
    if (this.#state !== 'idle') return;
    const generation = ++this.#generation;
    this.#state = 'starting';
    this.#nodes = new Map(nodes.map((node) => [node.key, node]));
    this.#deletedAt.clear();
    this.#completeUpTo = BigInt(revision);
    let stream: WatchStream;
    try {
      stream = await client.watchClient.watch();
    } catch (error) {
      if (generation === this.#generation) this.#state = 'idle';
      this.#logger.debug(`etcd3: could not open the cluster watch: ${String(error)}`);
      return;
    }
    if (generation !== this.#generation) {
      closeStream(stream);
      return;
    }
    this.#stream = stream;
    // Our own cancel raises a CANCELLED error: the listeners stay and the generation check ignores it.
    stream.on('data', (response: IWatchResponse) => this.#onResponse(generation, response));
    stream.on('error', (error: Error) => this.#lost(generation, `error: ${error.message}`));
    stream.on('end', () => this.#lost(generation, 'ended'));
    const startRevision = (BigInt(revision) + 1n).toString();
    stream.write({
      create_request: { key: this.#prefix, range_end: this.#rangeEnd, start_revision: startRevision },
    });
  }

  /** One progress round trip on the stream within `timeoutMs`. */
  confirm(timeoutMs: number): Promise<Freshness> {
    const stream = this.#stream;
    if (this.#state !== 'ready' || stream === null) return Promise.resolve('not-ready');
    return new Promise<Freshness>((resolve) => {
      const settle = (revision: bigint | null) => {
        clearTimeout(timer);
        this.#progressWaiters.delete(settle);
        if (revision === null || this.#state !== 'ready') resolve('no-answer');
        else resolve(revision <= this.#completeUpTo ? 'fresh' : 'behind');
      };
      const timer = setTimeout(() => settle(null), timeoutMs);
      this.#progressWaiters.add(settle);
      stream.write({ progress_request: {} });
    });
  }

  /** A direct range read at `revision` while the stream runs: the cache takes it as its new base. */
  adopt(nodes: readonly KvNode[], revision: string): void {
    if (this.#state === 'idle' || BigInt(revision) <= this.#completeUpTo) return;
    this.#nodes = new Map(nodes.map((node) => [node.key, node]));
    this.#deletedAt.clear();
    this.#completeUpTo = BigInt(revision);
  }

  /** Resolves true on the next event for `key` or when the cache is dropped; false on timeout or abort. */
  waitForChange(key: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#waitFor((change) => change.key === null || change.key === key, timeoutMs, signal);
  }

  /**
   * Resolves true when a key directly under `prefix` is created or deleted (value updates do not count), or
   * when the cache is dropped (a change may then go unseen); false on timeout or abort.
   */
  waitForKeySetChange(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#waitFor(
      (change) =>
        change.key === null || (change.kind !== 'updated' && directChildren([change.key], prefix).size > 0),
      timeoutMs,
      signal,
    );
  }

  #waitFor(
    matches: (change: CacheChange) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#changeListeners.delete(listener);
        resolve(changed);
      };
      const listener = (change: CacheChange) => {
        if (matches(change)) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#changeListeners.add(listener);
      if (signal?.aborted) finish(false);
    });
  }

  /** A successful local write, applied at once (its event, arriving later, changes nothing). */
  applyPut(key: string, value: string, revision: KeyVersion, session: string | null): void {
    if (this.#state === 'idle') return;
    this.#put({ key, value, version: revision, session });
    this.#advanceByOwnWrite(revisionOf(revision));
  }

  /** A successful local delete at `revision`. */
  applyDelete(key: string, revision: KeyVersion): void {
    if (this.#state === 'idle') return;
    this.#delete(key, revisionOf(revision));
    this.#advanceByOwnWrite(revisionOf(revision));
  }

  /** Our write at the revision right after `completeUpTo` was the only change in between. */
  #advanceByOwnWrite(revision: bigint): void {
    if (revision === this.#completeUpTo + 1n) this.#completeUpTo = revision;
  }

  /** Drops the cache and closes the stream; the next read goes to etcd and starts it again. */
  drop(reason: string): void {
    if (this.#state === 'idle') return;
    this.#logger.debug(`etcd3: cluster watch dropped (${reason})`);
    this.#generation++;
    this.#state = 'idle';
    this.#nodes.clear();
    this.#deletedAt.clear();
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null) closeStream(stream);
    for (const waiter of [...this.#progressWaiters]) waiter(null);
    for (const listener of [...this.#changeListeners]) listener({ kind: 'dropped', key: null });
  }

  #lost(generation: number, why: string): void {
    if (generation === this.#generation) this.drop(`stream ${why}`);
  }

  #onResponse(generation: number, response: IWatchResponse): void {
    if (generation !== this.#generation) return;
    const compacted = response.compact_revision !== undefined && response.compact_revision !== '0';
    if (response.canceled || compacted) {
      this.drop(compacted ? `compacted at ${response.compact_revision}` : 'canceled by etcd');
      return;
    }
    if (response.created) {
      // The created answer's revision says nothing about events still to come for a past start revision.
      this.#state = 'ready';
      return;
    }
    const events = response.events ?? [];
    const revision = revisionOf(response.header?.revision);
    if (events.length === 0) {
      for (const waiter of [...this.#progressWaiters]) waiter(revision);
      return;
    }
    const base = this.#completeUpTo;
    for (const event of events) {
      const key = this.#relative(event.kv);
      if (key === null || revisionOf(event.kv.mod_revision) <= base) continue;
      if (String(event.type).toUpperCase() === 'DELETE') this.#delete(key, revisionOf(event.kv.mod_revision));
      else
        this.#put({
          key,
          value: event.kv.value.toString(),
          version: event.kv.mod_revision,
          session: event.kv.lease && event.kv.lease !== '0' ? event.kv.lease : null,
        });
    }
    if (revision > this.#completeUpTo) this.#completeUpTo = revision;
  }

  #relative(kv: IKeyValue): string | null {
    if (!kv.key.subarray(0, this.#prefix.length).equals(this.#prefix)) return null;
    return kv.key.subarray(this.#prefix.length).toString();
  }

  #put(node: KvNode): void {
    const revision = revisionOf(node.version);
    const current = this.#nodes.get(node.key);
    if (current !== undefined && revisionOf(current.version) >= revision) return;
    if ((this.#deletedAt.get(node.key) ?? -1n) >= revision) return;
    this.#nodes.set(node.key, node);
    this.#notify({ kind: current === undefined ? 'created' : 'updated', key: node.key });
  }

  #delete(key: string, revision: bigint): void {
    const current = this.#nodes.get(key);
    if (current !== undefined && revisionOf(current.version) >= revision) return;
    this.#deletedAt.set(key, revision);
    if (current === undefined) return;
    this.#nodes.delete(key);
    this.#notify({ kind: 'deleted', key });
  }

  #notify(change: CacheChange): void {
    for (const listener of [...this.#changeListeners]) listener(change);
  }
}
