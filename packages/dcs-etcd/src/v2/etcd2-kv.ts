import {
  type DcsKv,
  DcsUnavailableError,
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
import type { RequestCounter } from '../request-counter.js';
import { sleep } from '../request-plan.js';
import type { Etcd2Http, V2Body, V2Node, V2Response } from './etcd2-http.js';

const ERROR_KEY_NOT_FOUND = 100;
const ERROR_EVENT_INDEX_CLEARED = 401;

/** `/v2/keys` + each path segment URL-encoded. */
function keysPath(absoluteKey: string): string {
  return `/v2/keys${absoluteKey.split('/').map(encodeURIComponent).join('/')}`;
}

function conditionFields(condition: KvCondition | undefined): Record<string, string> {
  if (condition === undefined) return {};
  switch (condition.kind) {
    case 'absent':
      return { prevExist: 'false' };
    case 'version':
      return { prevIndex: condition.version };
    case 'value':
      return { prevValue: condition.value };
  }
}

/** Patroni's leader watch index (dcs.md §5): X-Etcd-Index if greater than modifiedIndex, else modifiedIndex+1. */
export function leaderWatchIndex(modifiedIndex: number, etcdIndex: number | null): number {
  return etcdIndex !== null && etcdIndex > modifiedIndex ? etcdIndex : modifiedIndex + 1;
}

/** Actions that create or remove a key; `set` creates only when there was no previous node. */
const KEY_SET_ACTIONS = new Set(['create', 'delete', 'expire', 'compareAndDelete']);

/**
 * One event of a recursive wait on `dirKey` (absolute): does it add or remove a key directly under it?
 * An event on the directory itself or above (a recursive delete of the cluster) counts too.
 */
export function changesKeySet(body: V2Body, dirKey: string): boolean {
  const key = body.node?.key;
  if (key === undefined) return true;
  if (!key.startsWith(`${dirKey}/`)) return true;
  if (key.slice(dirKey.length + 1).includes('/')) return false;
  const action = body.action ?? '';
  return KEY_SET_ACTIONS.has(action) || (action === 'set' && body.prevNode === undefined);
}

/**
 * `DcsKv` over the etcd v2 keys API (dcs.md §7.2). There are no sessions: ephemeral keys carry
 * `ttl=<ttl>` and are rewritten every cycle; conditions are prevExist/prevIndex/prevValue.
 */
export class Etcd2Kv implements DcsKv {
  readonly capabilities: KvCapabilities = Object.freeze({ ephemeralByKeyTtl: true, leaderWatchIndex: true });
  readonly #http: Etcd2Http;
  readonly #base: string;
  readonly #logger: Logger;
  readonly #counter: RequestCounter;
  #timing: KvTiming;
  /** Per key, the version and watch index last read, to turn a version into a `waitIndex`. */
  readonly #watchIndexes = new Map<string, { version: string; watchIndex: number }>();
  /** Ephemeral keys this agent wrote, with their values: "ending the session" deletes them. */
  readonly #ephemeral = new Map<string, string>();
  /** `X-Etcd-Index` of the last cluster read: a key-set wait starts right after it. */
  #lastReadIndex: number | null = null;

  constructor(http: Etcd2Http, basePath: string, timing: KvTiming, counter: RequestCounter, logger: Logger) {
    this.#http = http;
    this.#base = basePath.replace(/\/+$/, '');
    this.#timing = timing;
    this.#counter = counter;
    this.#logger = logger;
  }

  get requests(): RequestCounter {
    return this.#counter;
  }

  #path(key: string): string {
    return keysPath(`${this.#base}/${key}`);
  }

  async readAll(options: { consistent: boolean }): Promise<KvSnapshot> {
    const query: Record<string, string> = {
      recursive: 'true',
      ...(options.consistent ? { quorum: 'true' } : {}),
    };
    const response = await this.#http.request('get', { method: 'GET', path: keysPath(this.#base), query });
    if (response.etcdIndex !== null) this.#lastReadIndex = response.etcdIndex;
    if (response.status === 404 && response.body?.errorCode === ERROR_KEY_NOT_FOUND) return { nodes: [] };
    if (response.status !== 200 || !response.body?.node) {
      return this.#unexpected(response, 'read');
    }
    const nodes: KvNode[] = [];
    this.#flatten(response.body.node, response.etcdIndex, nodes);
    return { nodes: nodes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
  }

  #flatten(node: V2Node, etcdIndex: number | null, into: KvNode[]): void {
    if (node.dir) {
      for (const child of node.nodes ?? []) this.#flatten(child, etcdIndex, into);
      return;
    }
    const prefix = `${this.#base}/`;
    if (node.key === undefined || !node.key.startsWith(prefix)) return;
    const key = node.key.slice(prefix.length);
    const modifiedIndex = node.modifiedIndex ?? 0;
    const version = String(modifiedIndex);
    const watchIndex = leaderWatchIndex(modifiedIndex, etcdIndex);
    this.#watchIndexes.set(key, { version, watchIndex });
    into.push({
      key,
      value: node.value ?? '',
      version,
      session: node.ttl !== undefined ? String(node.ttl) : null,
      ...(key === 'leader' ? { altVersion: String(watchIndex) } : {}),
    });
  }

  #unexpected(response: V2Response, what: string): never {
    const detail = response.body?.message ?? response.text.slice(0, 200);
    throw new DcsUnavailableError(`etcd ${what}: unexpected HTTP ${response.status} ${detail}`);
  }

  async write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    const ttlSeconds = Math.max(1, Math.round(this.#timing.ttlMs / 1000));
    const form: Record<string, string> = {
      value,
      ...(options.ephemeral ? { ttl: String(ttlSeconds) } : {}),
      ...conditionFields(options.condition),
    };
    const response = await this.#http.request('put', { method: 'PUT', path: this.#path(key), form });
    if ((response.status === 200 || response.status === 201) && response.body?.node) {
      if (options.ephemeral) this.#ephemeral.set(key, value);
      return { ok: true, version: String(response.body.node.modifiedIndex ?? 0) };
    }
    // 412 compare failed / node exists, 404 key not found (prevValue/prevIndex on a missing key)
    if (options.condition !== undefined && (response.status === 412 || response.status === 404))
      return { ok: false };
    return this.#unexpected(response, `write ${key}`);
  }

  async remove(key: string, condition?: KvCondition): Promise<boolean> {
    if (condition?.kind === 'absent') return false;
    const query = conditionFields(condition);
    const response = await this.#http.request('delete', { method: 'DELETE', path: this.#path(key), query });
    if (response.status === 200) {
      this.#ephemeral.delete(key);
      return true;
    }
    if (response.status === 404) return condition === undefined;
    if (response.status === 412) return false;
    return this.#unexpected(response, `delete ${key}`);
  }

  async removeAll(): Promise<void> {
    const response = await this.#http.request('delete', {
      method: 'DELETE',
      path: keysPath(this.#base),
      query: { recursive: 'true', dir: 'true' },
    });
    if (response.status !== 200 && response.status !== 404) this.#unexpected(response, 'delete cluster');
  }

  /** etcd v2 has no sessions: keys renew by being rewritten with their TTL. */
  async refreshSession(_force: boolean): Promise<void> {}

  sessionId(): string | null {
    return null;
  }

  /** A version from the last read becomes its watch index; anything else is taken as a watch index. */
  #waitIndex(key: string, sinceVersion: KeyVersion): number | null {
    const seen = this.#watchIndexes.get(key);
    if (seen && seen.version === sinceVersion) return seen.watchIndex;
    return /^\d+$/.test(sinceVersion) ? Number(sinceVersion) : null;
  }

  async watch(
    key: string,
    sinceVersion: KeyVersion | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    // Patroni long-polls only when at least a second is left; shorter waits just sleep.
    if (timeoutMs < 1_000 || signal?.aborted) {
      await sleep(timeoutMs, signal);
      return false;
    }
    const startedMs = Date.now();
    const waitIndex = sinceVersion !== null ? this.#waitIndex(key, sinceVersion) : null;
    const query: Record<string, string> = {
      wait: 'true',
      ...(waitIndex !== null ? { waitIndex: String(waitIndex) } : {}),
    };
    const outcome = await this.#http.longPoll(
      { method: 'GET', path: this.#path(key), query },
      timeoutMs,
      signal,
    );
    if (outcome === 'timeout') return false;
    if (outcome === 'error') {
      await sleep(timeoutMs - (Date.now() - startedMs), signal);
      return false;
    }
    if (outcome.status === 200) return true;
    // "The event in requested index is outdated and cleared": something changed that we missed.
    if (outcome.body?.errorCode === ERROR_EVENT_INDEX_CLEARED) return true;
    this.#logger.debug(`etcd: watch on ${key} answered HTTP ${outcome.status}`);
    await sleep(timeoutMs - (Date.now() - startedMs), signal);
    return false;
  }

  /**
   * Long-polls the directory `prefix` (`wait=true&recursive=true`, the v2 long poll Patroni watches the leader
   * with, on a directory) from just after the last read, until an event adds or removes a key directly under
   * it; value updates (members rewrite their keys every cycle with their TTL) are stepped over, one poll each.
   */
  async watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadlineMs = Date.now() + timeoutMs;
    const dirKey = `${this.#base}/${prefix.replace(/\/+$/, '')}`;
    let waitIndex = this.#lastReadIndex !== null ? this.#lastReadIndex + 1 : null;
    for (;;) {
      const remainingMs = deadlineMs - Date.now();
      if (remainingMs < 1_000 || signal?.aborted) {
        await sleep(remainingMs, signal);
        return false;
      }
      const query: Record<string, string> = {
        wait: 'true',
        recursive: 'true',
        ...(waitIndex !== null ? { waitIndex: String(waitIndex) } : {}),
      };
      const outcome = await this.#http.longPoll(
        { method: 'GET', path: keysPath(dirKey), query },
        remainingMs,
        signal,
      );
      if (outcome === 'timeout') return false;
      const body = outcome === 'error' ? null : outcome.body;
      if (outcome !== 'error' && outcome.status === 200 && body !== null) {
        if (changesKeySet(body, dirKey)) return true;
        waitIndex = Math.max(body.node?.modifiedIndex ?? 0, waitIndex ?? 0) + 1;
        continue;
      }
      // Events we missed (history cleared) may include a new member: wake the loop.
      if (body?.errorCode === ERROR_EVENT_INDEX_CLEARED) return true;
      if (outcome !== 'error') this.#logger.debug(`etcd: watch on ${dirKey} answered HTTP ${outcome.status}`);
      await sleep(deadlineMs - Date.now(), signal);
      return false;
    }
  }

  setTiming(timing: KvTiming): void {
    this.#timing = timing;
    this.#http.setTiming(timing);
  }

  /** Without `keepSession`, deletes the ephemeral keys this agent wrote (if they still hold its value). */
  async close(options?: { keepSession?: boolean }): Promise<void> {
    if (!options?.keepSession) {
      for (const [key, value] of this.#ephemeral) {
        try {
          await this.remove(key, { kind: 'value', value });
        } catch (error) {
          this.#logger.warn(`etcd: could not delete ${key} on close: ${String(error)}`);
        }
      }
    }
    this.#ephemeral.clear();
    this.#http.close();
  }
}
