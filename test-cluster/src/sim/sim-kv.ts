import {
  type DcsKv,
  DcsUnavailableError,
  type KvCondition,
  type KvSnapshot,
  type KvTiming,
  type KvWriteOptions,
  type KvWriteResult,
} from '@patroni/ha-core';
import type { MemoryKv } from '@patroni/ha-core/testing';
import type { ProcessGate } from './gate.js';
import type { Network } from './network.js';
import type { Scheduler } from './scheduler.js';

/**
 * One agent's DCS client in the simulation: the in-memory `MemoryKv` (sessions and TTLs on virtual time)
 * behind the simulated network link of that node. A cut link fails every operation after retry_timeout;
 * "answers lost" applies the operation and then fails it the same way; a slow link delays both directions
 * (and fails once the round trip exceeds retry_timeout, after the request was applied).
 */
export interface KvObserver {
  /** Just before `leader` is created if absent on behalf of `node` (an election attempt). */
  beforeElection(node: string): unknown;
  /** The election write landed; `before` is what `beforeElection` returned. */
  elected(node: string, before: unknown): void;
  /** The store extended `node`'s hold on the leader key (a leader write landed, or a forced session refresh while holding it). */
  leaseRenewed(node: string): void;
  /** `node` read the whole cluster successfully (the read reached it). */
  clusterRead(node: string, snapshot: KvSnapshot): void;
  /** `history` was written by `node`. */
  historyWritten(node: string, value: string): void;
}

export class SimKv implements DcsKv {
  readonly capabilities;
  private timing: KvTiming;

  constructor(
    private readonly node: string,
    private readonly inner: MemoryKv,
    private readonly network: Network,
    private readonly scheduler: Scheduler,
    private readonly gate: ProcessGate,
    timing: KvTiming,
    private readonly observer: KvObserver,
  ) {
    this.capabilities = inner.capabilities;
    this.timing = timing;
  }

  private async op<T>(name: string, apply: () => Promise<T>): Promise<T> {
    return this.gate.run(async () => {
      const link = this.network.dcsLink(this.node);
      const deadlineMs = this.timing.retryTimeoutMs;
      const fail = (): never => {
        throw new DcsUnavailableError(`${name}: DCS is not reachable (retry_timeout exceeded)`);
      };
      if (link.kind === 'cut') {
        await this.scheduler.sleep(deadlineMs);
        return fail();
      }
      if (link.kind === 'answers-lost') {
        await apply();
        await this.scheduler.sleep(deadlineMs);
        return fail();
      }
      if (link.kind === 'slow') {
        await this.scheduler.sleep(Math.min(link.delayMs, deadlineMs));
        if (link.delayMs >= deadlineMs) return fail();
        const result = await apply();
        if (2 * link.delayMs >= deadlineMs) {
          await this.scheduler.sleep(deadlineMs - link.delayMs);
          return fail();
        }
        await this.scheduler.sleep(link.delayMs);
        return result;
      }
      return apply();
    });
  }

  readAll(options: { consistent: boolean }): Promise<KvSnapshot> {
    return this.op('readAll', async () => {
      const snapshot = await this.inner.readAll(options);
      return { snapshot, answered: () => this.observer.clusterRead(this.node, snapshot) };
    }).then(({ snapshot, answered }) => {
      answered();
      return snapshot;
    });
  }

  write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    return this.op('write', async () => {
      const election = key === 'leader' && options.condition?.kind === 'absent';
      const before = election ? this.observer.beforeElection(this.node) : null;
      const result = await this.inner.write(key, value, options);
      if (result.ok && election) this.observer.elected(this.node, before);
      if (result.ok && key === 'leader') this.observer.leaseRenewed(this.node);
      if (result.ok && key === 'history') this.observer.historyWritten(this.node, value);
      return result;
    });
  }

  remove(key: string, condition?: KvCondition): Promise<boolean> {
    return this.op('remove', () => this.inner.remove(key, condition));
  }

  removeAll(): Promise<void> {
    return this.op('removeAll', () => this.inner.removeAll());
  }

  refreshSession(force: boolean): Promise<void> {
    return this.op('refreshSession', async () => {
      await this.inner.refreshSession(force);
      const leader = this.inner.store.get('leader');
      const session = this.inner.sessionId();
      if (force && leader?.value === this.node && session !== null && leader.session === session) {
        this.observer.leaseRenewed(this.node);
      }
    });
  }

  sessionId(): string | null {
    return this.inner.sessionId();
  }

  watch(key: string, sinceVersion: string | null, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.gate.run(async () => {
      if (this.network.dcsLink(this.node).kind !== 'ok') {
        await this.scheduler.sleep(timeoutMs, signal);
        return false;
      }
      return this.inner.watch(key, sinceVersion, timeoutMs, signal);
    });
  }

  /** The leader's wait for a member key to appear or vanish, as etcd, ZooKeeper and Exhibitor offer it. */
  watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.gate.run(async () => {
      if (this.network.dcsLink(this.node).kind !== 'ok' || !this.inner.watchKeySet) {
        await this.scheduler.sleep(timeoutMs, signal);
        return false;
      }
      return this.inner.watchKeySet(prefix, timeoutMs, signal);
    });
  }

  setTiming(timing: KvTiming): void {
    this.timing = timing;
    this.inner.setTiming(timing);
  }

  close(options?: { keepSession?: boolean }): Promise<void> {
    return this.inner.close(options);
  }
}
