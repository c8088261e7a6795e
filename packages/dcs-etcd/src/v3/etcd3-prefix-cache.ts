import type { KeyVersion, KvNode, Logger } from '@patroni/ha-core';
import { asRecord, base64, gatewayKvOf, headerRevisionOf, nodeOf } from './etcd3-codec.js';
import type { Etcd3Rpc } from './etcd3-rpc.js';
import type { StreamHandle } from './gateway-http.js';

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

const revisionOf = (version: KeyVersion | null | undefined) =>
  version !== undefined && version !== null && /^\d+$/.test(version) ? BigInt(version) : -1n;

/**
 * The cluster prefix's keys as one long-lived watch stream of etcd's gateway reports them (dcs.md §7.1
 * "Watch/cache"): filled from a range at revision R, then every event from R+1 on. It serves reads, wakes
 * waits (`watch`, `watchKeySet`) and tells key versions. Ready once etcd confirmed the watch (`created`). A
 * stream error, end, cancel or compaction drops it (the next read starts it again); each direct range read
 * is adopted as its new base.
 */
export class PrefixWatchCache {
  readonly #prefix: Buffer;
  readonly #rangeEnd: Buffer;
  readonly #logger: Logger;
  #nodes = new Map<string, KvNode>();
  /** Revision of each key's last deletion, so an older PUT arriving later does not resurrect it. */
  #deletedAt = new Map<string, bigint>();
  #stream: StreamHandle | null = null;
  #state: 'idle' | 'starting' | 'ready' = 'idle';
  /** Bumped on every (re)start and drop: callbacks of an older stream are ignored. */
  #generation = 0;
  #changeListeners = new Set<(change: CacheChange) => void>();
  /** Every change under the prefix up to this revision is in the cache. */
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

  /** `starting` between opening the stream and etcd's `created` answer. */
  get state(): 'idle' | 'starting' | 'ready' {
    return this.#state;
  }

  /** The cached keys. Only meaningful while not idle. */
  keys(): IterableIterator<string> {
    return this.#nodes.keys();
  }

  /**
   * The cached nodes in key order, as a range returns them (later keys would otherwise come last, and the
   * members' order would depend on how the cache was filled). A new array of the same immutable nodes.
   */
  nodes(): KvNode[] {
    return [...this.#nodes.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The cached node of `key`, if any. Only meaningful while ready. */
  node(key: string): KvNode | undefined {
    return this.#nodes.get(key);
  }

  /** The cached version of `key`; null when absent. Only meaningful while ready. */
  version(key: string): KeyVersion | null {
    return this.#nodes.get(key)?.version ?? null;
  }

  /** Opens the watch from `revision + 1` over the nodes a range read at `revision`. */
  async start(rpc: Etcd3Rpc, nodes: readonly KvNode[], revision: string): Promise<void> {
    if (this.#state !== 'idle') return;
    const generation = ++this.#generation;
    this.#state = 'starting';
    this.#nodes = new Map(nodes.map((node) => [node.key, node]));
    this.#deletedAt.clear();
    this.#completeUpTo = BigInt(revision);
    const createRequest = {
      key: base64(this.#prefix),
      range_end: base64(this.#rangeEnd),
      start_revision: (BigInt(revision) + 1n).toString(),
    };
    let stream: StreamHandle;
    try {
      stream = await rpc.openWatch(createRequest, {
        onMessage: (result) => this.#onResponse(generation, result),
        onEnd: (error) => this.#lost(generation, error.message),
      });
    } catch (error) {
      if (generation === this.#generation) this.#state = 'idle';
      this.#logger.debug(`etcd3: could not open the cluster watch: ${String(error)}`);
      return;
    }
    if (generation !== this.#generation) {
      stream.close();
      return;
    }
    this.#stream = stream;
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
  }

  /** A successful local delete at `revision`. */
  applyDelete(key: string, revision: KeyVersion): void {
    if (this.#state === 'idle') return;
    this.#delete(key, revisionOf(revision));
  }

  /** Drops the cache and closes the stream; the next read starts it again. */
  drop(reason: string): void {
    if (this.#state === 'idle') return;
    this.#logger.debug(`etcd3: cluster watch dropped (${reason})`);
    this.#generation++;
    this.#state = 'idle';
    this.#nodes.clear();
    this.#deletedAt.clear();
    const stream = this.#stream;
    this.#stream = null;
    stream?.close();
    for (const listener of [...this.#changeListeners]) listener({ kind: 'dropped', key: null });
  }

  #lost(generation: number, why: string): void {
    if (generation === this.#generation) this.drop(`stream: ${why}`);
  }

  #onResponse(generation: number, result: Record<string, unknown>): void {
    if (generation !== this.#generation) return;
    const compactRevision = typeof result.compact_revision === 'string' ? result.compact_revision : '0';
    if (result.canceled === true || compactRevision !== '0') {
      this.drop(compactRevision !== '0' ? `compacted at ${compactRevision}` : 'canceled by etcd');
      return;
    }
    if (result.created === true) {
      // The created answer's revision says nothing about events still to come for a past start revision.
      this.#state = 'ready';
      return;
    }
    const events = Array.isArray(result.events) ? (result.events as unknown[]) : [];
    const base = this.#completeUpTo;
    for (const raw of events) {
      const event = asRecord(raw);
      const kv = gatewayKvOf(event?.kv);
      const node = kv !== null ? nodeOf(kv, this.#prefix) : null;
      if (node === null || revisionOf(node.version) <= base) continue;
      if (event?.type === 'DELETE') this.#delete(node.key, revisionOf(node.version));
      else this.#put(node);
    }
    const revision = revisionOf(headerRevisionOf(result));
    if (events.length > 0 && revision > this.#completeUpTo) this.#completeUpTo = revision;
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
