/**
 * One in-memory key-value store shared by every agent of a test or simulation: versions from a global
 * revision counter (like etcd), sessions with TTLs on a `Clock`, ephemeral keys bound to sessions (or to a
 * TTL of their own, etcd v2 style), and watches. Expiry is evaluated lazily against the clock, and watches
 * sleep until the next expiry so they see keys vanish on time.
 */
import { type Clock, systemClock } from '../dcs/clock.js';
import type { KvCondition, KvNode, KvSnapshot, KvWriteResult } from '../dcs/kv.js';

interface StoredKey {
  readonly value: string;
  readonly version: string;
  /** Session the key is bound to (session mode). */
  readonly session: string | null;
  /** Expiry of a key with its own TTL (etcd v2 mode). */
  readonly expiresAtMs: number | null;
}

interface Session {
  expiresAtMs: number;
  readonly ttlMs: number;
}

type KeyEvent = 'created' | 'updated' | 'deleted';

interface Watcher {
  readonly matches: (key: string, event: KeyEvent) => boolean;
  readonly notify: () => void;
}

export interface StoreWriteOptions {
  readonly condition?: KvCondition;
  readonly session?: string | null;
  readonly keyTtlMs?: number | null;
}

export class MemoryKvStore {
  readonly clock: Clock;
  private revision = 0;
  private sessionSeq = 0;
  private readonly keys = new Map<string, StoredKey>();
  private readonly sessions = new Map<string, Session>();
  private readonly watchers = new Set<Watcher>();

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  createSession(ttlMs: number): string {
    this.expireDue();
    const id = `${++this.sessionSeq}`;
    this.sessions.set(id, { expiresAtMs: this.clock.now() + ttlMs, ttlMs });
    return id;
  }

  /** Extends a live session by its TTL; false when it is gone. */
  keepAlive(id: string): boolean {
    this.expireDue();
    const session = this.sessions.get(id);
    if (!session) return false;
    session.expiresAtMs = this.clock.now() + session.ttlMs;
    return true;
  }

  isSessionAlive(id: string): boolean {
    this.expireDue();
    return this.sessions.has(id);
  }

  /** Ends a session now; every key bound to it vanishes (a frozen agent past its TTL, or a clean close). */
  endSession(id: string): void {
    this.sessions.delete(id);
    for (const [key, stored] of this.keys) if (stored.session === id) this.deleteKey(key);
  }

  snapshot(): KvSnapshot {
    this.expireDue();
    const nodes: KvNode[] = [...this.keys.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, stored]) => ({
        key,
        value: stored.value,
        version: stored.version,
        session: stored.session,
      }));
    return { nodes };
  }

  get(key: string): KvNode | null {
    this.expireDue();
    const stored = this.keys.get(key);
    return stored ? { key, value: stored.value, version: stored.version, session: stored.session } : null;
  }

  write(key: string, value: string, options: StoreWriteOptions = {}): KvWriteResult {
    this.expireDue();
    if (!this.holds(key, options.condition)) return { ok: false };
    const session = options.session ?? null;
    if (session !== null && !this.sessions.has(session)) return { ok: false };
    const version = `${++this.revision}`;
    const keyTtlMs = options.keyTtlMs ?? null;
    const event: KeyEvent = this.keys.has(key) ? 'updated' : 'created';
    this.keys.set(key, {
      value,
      version,
      session,
      expiresAtMs: keyTtlMs === null ? null : this.clock.now() + keyTtlMs,
    });
    this.notify(key, event);
    return { ok: true, version };
  }

  remove(key: string, condition?: KvCondition): boolean {
    this.expireDue();
    if (!this.keys.has(key) || !this.holds(key, condition)) return false;
    this.deleteKey(key);
    return true;
  }

  removeAll(): void {
    this.expireDue();
    for (const key of [...this.keys.keys()]) this.deleteKey(key);
  }

  /**
   * Resolves true when `key` changes (immediately when its version already differs from `sinceVersion`),
   * false after `timeoutMs`. Sleeps on the clock until the next expiry, so expiring keys wake watchers.
   */
  async watch(
    key: string,
    sinceVersion: string | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    this.expireDue();
    if (sinceVersion !== null && this.keys.get(key)?.version !== sinceVersion) return true;
    return this.waitFor((changedKey) => changedKey === key, timeoutMs, signal);
  }

  /** Resolves true when a key directly under `prefix` is created or deleted, false after `timeoutMs`. */
  watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.expireDue();
    const direct = (key: string) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/');
    return this.waitFor((key, event) => event !== 'updated' && direct(key), timeoutMs, signal);
  }

  private async waitFor(
    matches: Watcher['matches'],
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (signal?.aborted) return false;
    const deadlineMs = this.clock.now() + timeoutMs;
    const wakeUp = new AbortController();
    const onAbort = () => wakeUp.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let changed = false;
    const watcher: Watcher = {
      matches,
      notify: () => {
        changed = true;
        wakeUp.abort();
      },
    };
    this.watchers.add(watcher);
    try {
      while (!changed && !wakeUp.signal.aborted && this.clock.now() < deadlineMs) {
        const untilMs = Math.min(deadlineMs, this.nextExpiryMs() ?? deadlineMs);
        await this.clock.sleep(Math.max(0, untilMs - this.clock.now()), wakeUp.signal);
        this.expireDue();
      }
    } finally {
      this.watchers.delete(watcher);
      signal?.removeEventListener('abort', onAbort);
    }
    return changed;
  }

  private holds(key: string, condition: KvCondition | undefined): boolean {
    const stored = this.keys.get(key);
    if (!condition) return true;
    switch (condition.kind) {
      case 'absent':
        return stored === undefined;
      case 'version':
        return stored !== undefined && stored.version === condition.version;
      case 'value':
        return stored !== undefined && stored.value === condition.value;
    }
  }

  private deleteKey(key: string): void {
    if (this.keys.delete(key)) {
      this.revision++;
      this.notify(key, 'deleted');
    }
  }

  private notify(key: string, event: KeyEvent): void {
    for (const watcher of this.watchers) if (watcher.matches(key, event)) watcher.notify();
  }

  private nextExpiryMs(): number | null {
    let next: number | null = null;
    for (const session of this.sessions.values())
      if (next === null || session.expiresAtMs < next) next = session.expiresAtMs;
    for (const stored of this.keys.values()) {
      if (stored.expiresAtMs !== null && (next === null || stored.expiresAtMs < next))
        next = stored.expiresAtMs;
    }
    return next;
  }

  /** Drops sessions (and their keys) and TTL keys whose time is up. */
  private expireDue(): void {
    const now = this.clock.now();
    for (const [id, session] of this.sessions) if (session.expiresAtMs <= now) this.endSession(id);
    for (const [key, stored] of this.keys) {
      if (stored.expiresAtMs !== null && stored.expiresAtMs <= now) this.deleteKey(key);
    }
  }
}
