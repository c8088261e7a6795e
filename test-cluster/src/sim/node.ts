import {
  type Clock,
  type DynamicConfig,
  type FailsafeHeartbeat,
  HaFatalError,
  HaLoop,
  KvDcs,
  type KvTiming,
  type LocalSettings,
  type Logger,
  parseTags,
  publishedTags,
} from '@patroni/ha-core';
import { MemoryKv, type MemoryKvStore } from '@patroni/ha-core/testing';
import type { NodeControl } from './faults.js';
import { ProcessGate } from './gate.js';
import type { Network } from './network.js';
import type { RestEndpoint, SimPeers } from './peers.js';
import { drawDurations, PgMachine } from './pg-machine.js';
import type { PgWorld } from './pg-world.js';
import type { Prng } from './prng.js';
import type { SimNodeSpec } from './scenario.js';
import type { Scheduler } from './scheduler.js';
import { type KvObserver, SimKv } from './sim-kv.js';
import { SimPostgres, type TimeText } from './sim-postgres.js';
import type { Trace } from './trace.js';
import { SimWatchdog } from './watchdog.js';

export interface NodeEnvironment {
  readonly scheduler: Scheduler;
  readonly network: Network;
  readonly store: MemoryKvStore;
  readonly pgWorld: PgWorld;
  readonly peers: SimPeers;
  readonly trace: Trace;
  readonly bootstrapConfig: DynamicConfig;
  readonly bootstrapTiming: KvTiming;
  /** The watchdog timeout the device is armed with (ttl − safety_margin of the config in effect). */
  readonly watchdogTimeoutMs: () => number;
  readonly timeText: TimeText;
  readonly kvObserver: KvObserver;
  readonly verbose: boolean;
  /** A cycle of `node` ended with `summary`. */
  readonly onCycle: (node: SimNode, summary: string) => void;
  /** The engine threw (an `invariant()` of its own, or a bug): the agent process died. */
  readonly onAgentError: (node: SimNode, error: unknown) => void;
}

/** One simulated host: its Postgres machine, watchdog, and the current agent process (if any). */
export class SimNode implements NodeControl, RestEndpoint {
  readonly machine: PgMachine;
  readonly watchdog: SimWatchdog;
  private gate: ProcessGate | null = null;
  agent: HaLoop | null = null;
  private incarnation = 0;
  cycles = 0;

  constructor(
    readonly spec: SimNodeSpec,
    private readonly env: NodeEnvironment,
    private readonly prng: Prng,
  ) {
    this.machine = new PgMachine(spec.name, env.pgWorld, drawDurations(prng.fork('durations')));
    env.pgWorld.machines.set(spec.name, this.machine);
    this.watchdog = new SimWatchdog(
      env.scheduler,
      () => {
        env.trace.add(this.name, 'WATCHDOG fired: machine reset');
        this.reboot(prng.int(5_000, 20_000));
      },
      (message) => env.trace.add(this.name, message),
    );
  }

  get name(): string {
    return this.spec.name;
  }

  get agentAlive(): boolean {
    return this.gate !== null && !this.gate.isKilled;
  }

  get listening(): boolean {
    return this.agentAlive;
  }

  get hung(): boolean {
    return this.gate?.isStopped ?? false;
  }

  private localSettings(): LocalSettings {
    const raw: Record<string, unknown> = {};
    if (this.spec.nofailover) raw.nofailover = true;
    if (!this.spec.nofailover) raw.failover_priority = this.spec.failoverPriority;
    return {
      name: this.name,
      scope: 'sim',
      patroniVersion: '4.1.4',
      tags: parseTags(raw),
      publishedTags: publishedTags(raw),
      connUrl: `postgres://${this.name}:5432/postgres`,
      apiUrl: `http://${this.name}:8008/patroni`,
      proxyUrl: null,
      hasBootstrapSection: true,
      canCreateReplicaWithoutLeader: false,
      removeDataDirectoryOnRewindFailure: false,
      removeDataDirectoryOnDivergedTimelines: false,
      watchdogMode: 'automatic',
    };
  }

  startAgent(): void {
    if (this.agentAlive) return;
    const env = this.env;
    const gate = new ProcessGate(() => env.scheduler.nowMs);
    this.gate = gate;
    const incarnation = ++this.incarnation;
    const clock: Clock = {
      now: () => env.scheduler.now(),
      sleep: (ms, signal) => gate.run(() => env.scheduler.sleep(ms, signal)),
    };
    const config = this.agent?.getStatus().timing ?? env.bootstrapTiming;
    const memoryKv = new MemoryKv(env.store, { timing: config });
    const kv = new SimKv(this.name, memoryKv, env.network, env.scheduler, gate, config, env.kvObserver);
    const say = (line: string): void => env.trace.add(this.name, line);
    const logger: Logger = {
      debug: (message) => (env.verbose ? say(`debug: ${message}`) : undefined),
      info: (message) => (env.verbose ? say(`info: ${message}`) : undefined),
      warn: (message) => say(`warn: ${message}`),
      error: (message) => say(`error: ${message}`),
    };
    const dcs = new KvDcs(kv, { namespace: '/service/', scope: 'sim', name: this.name }, { logger, clock });
    const agentPrng = this.prng.fork(`agent${incarnation}`);
    const loop = new HaLoop({
      dcs,
      postgres: new SimPostgres(this.machine, gate, env.timeText),
      peers: {
        fetchStatus: (apiUrl, signal) => gate.run(() => env.peers.fetchStatus(this.name, apiUrl, signal)),
        postFailsafe: (apiUrl, payload, signal) =>
          gate.run(() => env.peers.postFailsafe(this.name, apiUrl, payload, signal)),
      },
      clock,
      logger: { ...logger, info: () => {} },
      watchdog: {
        isUsable: () => true,
        activate: () =>
          gate.run(async () => {
            this.watchdog.activate(env.watchdogTimeoutMs());
            return true;
          }),
        keepalive: () => gate.run(async () => this.watchdog.keepalive()),
        disable: () => gate.run(async () => this.watchdog.disable()),
      },
      local: this.localSettings(),
      bootstrapConfig: env.bootstrapConfig,
      random: () => agentPrng.float(),
      trace: (event) => {
        if (event.kind === 'summary') {
          say(event.summary);
          this.cycles++;
          env.onCycle(this, event.summary);
        } else if (event.effect.kind === 'log') logger[event.effect.level](event.effect.message);
      },
    });
    this.agent = loop;
    say(`agent started (incarnation ${incarnation})`);
    loop.start().catch((error: unknown) => {
      if (gate.isKilled) return;
      gate.kill();
      if (error instanceof HaFatalError) {
        say(`FATAL: ${error.message}; agent exits, restarted in 5s`);
        env.scheduler.schedule(5_000, () => this.startAgent());
        return;
      }
      env.onAgentError(this, error);
    });
  }

  killAgent(): void {
    this.gate?.kill();
  }

  hangAgent(): void {
    this.gate?.stop();
  }

  resumeAgent(): void {
    this.gate?.resume();
  }

  crashPostgres(reason: string): void {
    this.machine.crash(reason);
  }

  reboot(downMs: number): void {
    this.env.trace.add(this.name, `reboot, down for ${downMs}ms`);
    this.killAgent();
    this.watchdog.disable();
    this.machine.crash('machine reset');
    this.env.scheduler.schedule(downMs, () => this.startAgent());
  }

  /** `GET /patroni` as the race reads it (ha-loop.md §14.1), from the live Postgres and the agent's role. */
  statusDocument(): unknown {
    const m = this.machine;
    const role = this.agent?.getStatus().role ?? 'uninitialized';
    const tags = this.localSettings().publishedTags;
    if (m.process !== 'running')
      return { state: m.process === 'starting' ? 'starting' : 'stopped', role, tags };
    const primary = !m.inRecovery;
    return {
      state: 'running',
      role: primary ? 'primary' : role === 'standby_leader' ? 'standby_leader' : 'replica',
      timeline: m.wal.tli,
      xlog: primary
        ? { location: m.wal.endLsn }
        : { received_location: m.wal.endLsn, replayed_location: m.wal.endLsn, paused: false },
      tags,
      patroni: { version: '4.1.4', scope: 'sim', name: this.name },
    };
  }

  /** `POST /failsafe` (ha-loop.md §9, receiver side). */
  acceptFailsafe(payload: FailsafeHeartbeat): boolean {
    const answer = this.agent?.receiveFailsafe(payload);
    return answer?.status === 200 && answer.body === 'Accepted';
  }
}
