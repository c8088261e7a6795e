import type { Network } from './network.js';
import type { Operator } from './operator.js';
import type { Prng } from './prng.js';
import type { Replication } from './replication.js';
import type { Scenario } from './scenario.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';

/** What the fault injector can do to one simulated node. */
export interface NodeControl {
  readonly name: string;
  readonly agentAlive: boolean;
  hangAgent(): void;
  resumeAgent(): void;
  killAgent(): void;
  startAgent(): void;
  crashPostgres(reason: string): void;
  /** Power cycle: Postgres and agent die; the agent starts again after `downMs`. */
  reboot(downMs: number): void;
}

export interface FaultContext {
  readonly scenario: Scenario;
  readonly scheduler: Scheduler;
  readonly prng: Prng;
  readonly network: Network;
  readonly nodes: readonly NodeControl[];
  readonly operator: Operator;
  readonly replication: Replication;
  readonly trace: Trace;
  /** The current leader key holder, to aim some faults at the primary. */
  readonly leaderName: () => string | null;
}

type FaultKind =
  | 'dcs-cut'
  | 'dcs-answers-lost'
  | 'dcs-slow'
  | 'isolate'
  | 'one-way-cut'
  | 'partition-pair'
  | 'agent-hang'
  | 'agent-crash'
  | 'pg-crash'
  | 'reboot'
  | 'replica-lag'
  | 'switchover'
  | 'failover'
  | 'pause'
  | 'config-change';

const WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ['dcs-cut', 3],
  ['dcs-answers-lost', 1],
  ['dcs-slow', 1],
  ['isolate', 2],
  ['one-way-cut', 1],
  ['partition-pair', 1],
  ['agent-hang', 2],
  ['agent-crash', 2],
  ['pg-crash', 2],
  ['reboot', 1],
  ['replica-lag', 1],
  ['switchover', 2],
  ['failover', 1],
  ['pause', 1],
  ['config-change', 1],
];

interface ActiveFault {
  readonly label: string;
  undo(): void;
}

/**
 * Chooses faults and operator actions from the seed during the chaos phase, undoes each after a while, and
 * heals everything at the end of the phase (so liveness can be checked).
 */
export class FaultInjector {
  private readonly active = new Set<ActiveFault>();
  faultsInjected = 0;

  constructor(private readonly ctx: FaultContext) {}

  /** Faults begin at `fromMs`, once the cluster has bootstrapped (bootstrap itself is not under test here). */
  start(fromMs: number): void {
    this.ctx.scheduler.schedule(fromMs, () => this.scheduleNext());
  }

  private scheduleNext(): void {
    const { prng, scheduler, scenario } = this.ctx;
    const gapMs = Math.round(-Math.log(1 - prng.float()) * scenario.meanFaultGapMs) + 1000;
    if (scheduler.nowMs + gapMs >= scenario.chaosMs) return;
    scheduler.schedule(gapMs, () => {
      if (this.active.size < scenario.maxConcurrentFaults) this.inject(prng.weighted(WEIGHTS));
      this.scheduleNext();
    });
  }

  private target(preferLeader: boolean): NodeControl {
    const { prng, nodes } = this.ctx;
    const leader = this.ctx.leaderName();
    if (preferLeader && leader && prng.chance(0.5)) {
      const node = nodes.find((n) => n.name === leader);
      if (node) return node;
    }
    return prng.pick(nodes);
  }

  private note(message: string): void {
    this.ctx.trace.add('fault', message);
  }

  /** Registers a fault undone after a random duration (or at heal time, whichever comes first). */
  private hold(label: string, minMs: number, maxMs: number, undo: () => void): void {
    const fault: ActiveFault = {
      label,
      undo: () => {
        if (!this.active.delete(fault)) return;
        this.note(`end ${label}`);
        undo();
      },
    };
    this.active.add(fault);
    this.ctx.scheduler.schedule(this.ctx.prng.int(minMs, maxMs), () => fault.undo());
  }

  private inject(kind: FaultKind): void {
    const { network, prng, nodes, operator } = this.ctx;
    this.faultsInjected++;
    const node = this.target(kind !== 'replica-lag');
    switch (kind) {
      case 'dcs-cut':
      case 'dcs-answers-lost': {
        network.setDcsLink(node.name, { kind: kind === 'dcs-cut' ? 'cut' : 'answers-lost' });
        this.note(`${kind} ${node.name}`);
        this.hold(`${kind} ${node.name}`, 5_000, 90_000, () => network.setDcsLink(node.name, { kind: 'ok' }));
        return;
      }
      case 'dcs-slow': {
        const delayMs = prng.pick([500, 2_000, 4_000, 7_000]);
        network.setDcsLink(node.name, { kind: 'slow', delayMs });
        this.note(`dcs-slow ${node.name} ${delayMs}ms`);
        this.hold(`dcs-slow ${node.name}`, 5_000, 60_000, () =>
          network.setDcsLink(node.name, { kind: 'ok' }),
        );
        return;
      }
      case 'isolate': {
        network.setDcsLink(node.name, { kind: 'cut' });
        const others = nodes.filter((n) => n.name !== node.name);
        for (const other of others) {
          network.cut(node.name, other.name);
          network.cut(other.name, node.name);
        }
        this.note(`isolate ${node.name}`);
        this.hold(`isolate ${node.name}`, 5_000, 90_000, () => this.healNetworkOf(node.name));
        return;
      }
      case 'one-way-cut':
      case 'partition-pair': {
        const other = prng.pick(nodes.filter((n) => n.name !== node.name));
        network.cut(node.name, other.name);
        if (kind === 'partition-pair') network.cut(other.name, node.name);
        const label = `${kind} ${node.name}${kind === 'one-way-cut' ? '->' : '<->'}${other.name}`;
        this.note(label);
        this.hold(label, 5_000, 90_000, () => this.healNetworkOf(node.name));
        return;
      }
      case 'agent-hang': {
        if (!node.agentAlive) return;
        node.hangAgent();
        this.note(`agent-hang ${node.name}`);
        this.hold(`agent-hang ${node.name}`, 2_000, 60_000, () => node.resumeAgent());
        return;
      }
      case 'agent-crash': {
        if (!node.agentAlive) return;
        node.killAgent();
        this.note(`agent-crash ${node.name}`);
        this.hold(`agent-crash ${node.name}`, 1_000, 30_000, () => {
          if (!node.agentAlive) node.startAgent();
        });
        return;
      }
      case 'pg-crash':
        this.note(`pg-crash ${node.name}`);
        node.crashPostgres('fault injected');
        return;
      case 'reboot':
        this.note(`reboot ${node.name}`);
        node.reboot(prng.int(5_000, 30_000));
        return;
      case 'replica-lag': {
        const lagMs = prng.pick([2_000, 10_000, 30_000]);
        this.ctx.replication.extraDelayMs.set(node.name, lagMs);
        this.note(`replica-lag ${node.name} ${lagMs}ms`);
        this.hold(`replica-lag ${node.name}`, 10_000, 120_000, () =>
          this.ctx.replication.extraDelayMs.delete(node.name),
        );
        return;
      }
      case 'switchover':
        operator.switchover();
        return;
      case 'failover':
        operator.failover();
        return;
      case 'pause': {
        if (!operator.pause(true)) return;
        this.hold('pause', 5_000, 60_000, () => operator.pause(false));
        return;
      }
      case 'config-change':
        this.changeConfig();
        return;
    }
  }

  private changeConfig(): void {
    const { prng, operator, scenario } = this.ctx;
    const options: Record<string, unknown>[] = [
      { failsafe_mode: !scenario.failsafeMode },
      { maximum_lag_on_failover: prng.pick([65_536, 1_048_576]) },
    ];
    // Strict and quorum runs keep their mode: invariant 2 is about them.
    if (scenario.syncProfile === 'off' || scenario.syncProfile === 'on') {
      options.push({ synchronous_mode: scenario.syncProfile === 'off' });
    }
    const patch = prng.pick(options);
    if (!operator.patchConfig(patch)) return;
    const revert = Object.fromEntries(
      Object.keys(patch).map((key) => [
        key,
        key === 'maximum_lag_on_failover' ? scenario.maximumLagOnFailoverBytes : !patch[key],
      ]),
    );
    this.hold(`config ${JSON.stringify(patch)}`, 10_000, 120_000, () => operator.patchConfig(revert));
  }

  private healNetworkOf(name: string): void {
    // Undoing one network fault reconnects this node entirely, even if another active fault also cut one of
    // its links: faults may end early that way, never late (everything heals at the end of the phase anyway).
    const { network, nodes } = this.ctx;
    network.setDcsLink(name, { kind: 'ok' });
    for (const other of nodes) {
      if (other.name === name) continue;
      network.uncut(name, other.name);
      network.uncut(other.name, name);
    }
  }

  /** End of the chaos phase: undo every fault, reconnect everything, restart and resume every agent. */
  healAll(): void {
    for (const fault of [...this.active]) fault.undo();
    this.ctx.network.heal();
    this.ctx.replication.extraDelayMs.clear();
    for (const node of this.ctx.nodes) {
      node.resumeAgent();
      if (!node.agentAlive) node.startAgent();
    }
    this.note('HEALED: all faults undone');
  }
}
