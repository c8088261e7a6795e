import { type Cluster, mergePatch, parseCluster, parseDynamicConfig } from '@patroni/ha-core';
import type { MemoryKvStore } from '@patroni/ha-core/testing';
import type { Prng } from './prng.js';
import type { Trace } from './trace.js';

/**
 * The operator with patronictl: switchover, failover, pause/resume and config edits, written straight into
 * the DCS the way patronictl does when it cannot (or need not) go through a node's REST API: `/failover`
 * without CAS, `/config` as a merge-patch with CAS on the version just read.
 */
export class Operator {
  constructor(
    private readonly store: MemoryKvStore,
    private readonly prng: Prng,
    private readonly trace: Trace,
  ) {}

  cluster(): Cluster {
    return parseCluster(this.store.snapshot());
  }

  private say(message: string): void {
    this.trace.add('ctl', message);
  }

  /** Running members that may be promoted (patronictl offers only those), other than `exclude`. */
  private candidates(cluster: Cluster, exclude: string | null): string[] {
    return cluster.members
      .filter((m) => m.name !== exclude && m.isRunning && !m.tags.nofailover)
      .map((m) => m.name)
      .sort();
  }

  /** `patronictl switchover [--candidate X]`: in synchronous mode only a /sync standby is accepted. */
  switchover(): void {
    const cluster = this.cluster();
    const leader = cluster.leader?.name;
    if (!leader) {
      this.say('switchover refused: cluster has no leader');
      return;
    }
    const config = parseDynamicConfig(cluster.config?.data ?? {}).config;
    let candidates = this.candidates(cluster, leader);
    if (config.synchronousMode !== 'off' && cluster.sync.leader) {
      const sync = new Set(cluster.sync.syncStandbys.map((s) => s.toLowerCase()));
      candidates = candidates.filter((c) => sync.has(c.toLowerCase()));
    }
    const member = this.prng.chance(0.3) || candidates.length === 0 ? null : this.prng.pick(candidates);
    if (member === null && config.paused) {
      this.say('switchover refused: a candidate is required while paused');
      return;
    }
    const value = member === null ? { leader } : { leader, member };
    this.store.write('failover', JSON.stringify(value));
    this.say(`switchover ${JSON.stringify(value)}`);
  }

  /** `patronictl failover --candidate X`: any running promotable member other than the leader. */
  failover(): void {
    const cluster = this.cluster();
    const candidates = this.candidates(cluster, cluster.leader?.name ?? null);
    if (candidates.length === 0) {
      this.say('failover refused: no candidates');
      return;
    }
    const member = this.prng.pick(candidates);
    this.store.write('failover', JSON.stringify({ member }));
    this.say(
      `failover {"member":"${member}"}${cluster.leader ? '' : ' (cluster has no leader: commits may be lost)'}`,
    );
  }

  /** `patronictl edit-config` / `pause` / `resume`: merge-patch with CAS on the version read. */
  patchConfig(patch: Readonly<Record<string, unknown>>): boolean {
    const node = this.store.get('config');
    if (!node) {
      this.say(`edit-config ${JSON.stringify(patch)} refused: no configuration in the DCS`);
      return false;
    }
    let current: unknown;
    try {
      current = JSON.parse(node.value);
    } catch {
      current = {};
    }
    const next = mergePatch(current, patch);
    const result = this.store.write('config', JSON.stringify(next), {
      condition: { kind: 'version', version: node.version },
    });
    this.say(`edit-config ${JSON.stringify(patch)}${result.ok ? '' : ' failed (version changed)'}`);
    return result.ok;
  }

  pause(on: boolean): boolean {
    return this.patchConfig({ pause: on ? true : null });
  }
}
