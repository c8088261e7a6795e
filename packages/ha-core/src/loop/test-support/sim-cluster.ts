// A few agents running the real HA loop on virtual time, the in-memory DCS and MemoryPostgres.
import { parseDynamicConfig } from '../../config/parse-dynamic-config.js';
import type { Logger } from '../../dcs/dcs.js';
import { KvDcs } from '../../dcs/kv-dcs.js';
import { formatEffect } from '../../engine/test-support/format-effect.js';
import type { LocalSettings } from '../../engine/types.js';
import { parseTags, publishedTags } from '../../model/tags.js';
import type { PublishedStatus } from '../../ports/status.js';
import { ManualClock } from '../../testing/manual-clock.js';
import { MemoryKv } from '../../testing/memory-kv.js';
import { MemoryKvStore } from '../../testing/memory-kv-store.js';
import { HaLoop } from '../ha-loop.js';
import type { LoopTraceEvent, PeerClient } from '../ports.js';
import { MemoryPostgres, PostgresWorld } from './memory-postgres.js';

export const SIM_START_MS = 1_700_000_000_000;
const TIMING = { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 };
const BOOTSTRAP_DCS = { ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576 };

interface SimNode {
  readonly name: string;
  readonly kv: MemoryKv;
  readonly loop: HaLoop;
  readonly pg: MemoryPostgres;
  done: Promise<void> | null;
  alive: boolean;
}

const BOOKKEEPING = new Set([
  'dcs.load-cluster',
  'dcs.touch-member',
  'dcs.renew-leader',
  'pg.sync-slots',
  'peers.fetch-status',
  'pg.configure-follow',
]);

/** The `/patroni` body of a node, as a peer reads it for the race (ha-loop.md §14.1). */
export function patroniBody(status: PublishedStatus): unknown {
  const query = status.postgres?.query;
  if (!status.postgres?.postmasterRunning || !query) return { state: status.state, role: status.role };
  const xlog = query.inRecovery
    ? { received_location: query.receivedLsn, replayed_location: query.replayedLsn }
    : { location: query.walPosition };
  return { state: status.state, role: status.role, timeline: query.timeline, tags: status.tags, xlog };
}

export class SimCluster {
  readonly clock = new ManualClock(SIM_START_MS);
  readonly store = new MemoryKvStore({ clock: this.clock });
  readonly world = new PostgresWorld();
  readonly nodes = new Map<string, SimNode>();
  readonly transcript: string[] = [];
  /** Log lines of all agents at warn/error level (kept out of the transcript). */
  readonly problems: string[] = [];
  /** Also record every non-bookkeeping effect in the transcript. */
  traceEffects = true;

  constructor() {
    this.world.clock = this.clock;
  }

  private readonly peers: PeerClient = {
    fetchStatus: async (apiUrl) => {
      const node = this.nodes.get(new URL(apiUrl).hostname);
      return node?.alive ? patroniBody(node.loop.getStatus()) : null;
    },
    postFailsafe: async (apiUrl, payload) => {
      const node = this.nodes.get(new URL(apiUrl).hostname);
      return node?.alive === true && node.loop.receiveFailsafe(payload).body === 'Accepted';
    },
  };

  private stamp(): string {
    return `+${((this.clock.now() - SIM_START_MS) / 1000).toFixed(1)}s`;
  }

  private logger(name: string): Logger {
    const keep = (level: string) => (message: string) =>
      this.problems.push(`${this.stamp()} ${name} ${level}: ${message}`);
    return { debug: () => {}, info: () => {}, warn: keep('warn'), error: keep('error') };
  }

  private trace(name: string, event: LoopTraceEvent): void {
    if (event.kind === 'summary') this.transcript.push(`${this.stamp()} ${name}: ${event.summary}`);
    else if (this.traceEffects && event.effect.kind !== 'log' && !BOOKKEEPING.has(event.effect.kind)) {
      this.transcript.push(`${this.stamp()} ${name}   ${formatEffect(event.effect)}`);
    }
  }

  addNode(
    name: string,
    tags: Record<string, unknown> = {},
    dcsConfig: Record<string, unknown> = {},
  ): MemoryPostgres {
    const kv = new MemoryKv(this.store, { timing: TIMING, failFast: false });
    const logger = this.logger(name);
    const dcs = new KvDcs(
      kv,
      { namespace: '/service/', scope: 'batman', name },
      { logger, clock: this.clock },
    );
    const pg = new MemoryPostgres(name, this.world);
    const local: LocalSettings = {
      name,
      scope: 'batman',
      patroniVersion: '4.1.4',
      tags: parseTags(tags),
      publishedTags: publishedTags(tags),
      connUrl: `postgres://${name}:5432/postgres`,
      apiUrl: `http://${name}:8008/patroni`,
      proxyUrl: null,
      hasBootstrapSection: true,
      canCreateReplicaWithoutLeader: false,
      removeDataDirectoryOnRewindFailure: false,
      removeDataDirectoryOnDivergedTimelines: false,
      watchdogMode: 'off',
    };
    const loop = new HaLoop({
      dcs,
      postgres: pg,
      peers: this.peers,
      clock: this.clock,
      logger,
      local,
      bootstrapConfig: parseDynamicConfig({ ...BOOTSTRAP_DCS, ...dcsConfig }).config,
      random: () => 0,
      trace: (event) => this.trace(name, event),
    });
    this.nodes.set(name, { name, kv, loop, pg, done: null, alive: true });
    return pg;
  }

  node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  start(name: string): void {
    const node = this.node(name);
    node.alive = true;
    node.done = node.loop.start().catch((error: unknown) => {
      node.alive = false;
      this.transcript.push(
        `${this.stamp()} ${name}: EXIT ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  async advance(ms: number, stepMs = 500): Promise<void> {
    for (let elapsed = 0; elapsed < ms; elapsed += stepMs)
      await this.clock.advance(Math.min(stepMs, ms - elapsed));
  }

  /** The agent process dies: no shutdown, its session expires after ttl, Postgres keeps running. */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    node.alive = false;
    node.kv.setUnreachable(true);
    await this.whileAdvancing(node.loop.halt());
  }

  async stop(name: string): Promise<void> {
    const node = this.node(name);
    await this.whileAdvancing(node.loop.stop());
    node.alive = false;
  }

  /** Current `/leader` as stored. */
  leader(): string | null {
    return this.store.get('leader')?.value ?? null;
  }

  /** Names of servers running as primary right now. */
  primaries(): string[] {
    return [...this.world.servers.values()].filter((s) => s.running && !s.inRecovery).map((s) => s.name);
  }

  async shutdownAll(): Promise<void> {
    await this.whileAdvancing(Promise.all([...this.nodes.values()].map((node) => node.loop.halt())));
  }

  /** Waits for `work`, moving virtual time on so that DCS retries and sleeps inside it can finish. */
  async whileAdvancing<T>(work: Promise<T>, maxMs = 120_000): Promise<T> {
    let settled = false;
    const tracked = work.finally(() => {
      settled = true;
    });
    for (let elapsed = 0; !settled && elapsed < maxMs; elapsed += 500) await this.clock.advance(500);
    return tracked;
  }
}
