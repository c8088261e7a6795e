import { describe, expect, it } from 'vitest';
import type { Dcs, LeaderStatus, Logger } from '../dcs/dcs.js';
import type { KvWriteOptions, KvWriteResult } from '../dcs/kv.js';
import { KvDcs } from '../dcs/kv-dcs.js';
import { EMPTY_CLUSTER } from '../engine/empty-cluster.js';
import { asLsn, type Cluster, type MemberName } from '../model/types.js';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryKv } from '../testing/memory-kv.js';
import { MemoryKvStore } from '../testing/memory-kv-store.js';
import { ActionRunner } from './action-runner.js';
import { executeEffect } from './effect-executor.js';
import { MemoryPostgres, PostgresWorld } from './test-support/memory-postgres.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const TIMING = { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 };

/** Records every key written, in order, next to the watchdog keepalives. */
class RecordingKv extends MemoryKv {
  constructor(
    store: MemoryKvStore,
    private readonly events: string[],
  ) {
    super(store, { timing: TIMING, failFast: false });
  }

  override write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    this.events.push(`write ${key}`);
    return super.write(key, value, options);
  }
}

async function renewalEvents(wrap: (dcs: KvDcs) => Dcs, keepalive: boolean): Promise<string[]> {
  const events: string[] = [];
  const clock = new ManualClock(1_700_000_000_000);
  const kv = new RecordingKv(new MemoryKvStore({ clock }), events);
  const kvDcs = new KvDcs(
    kv,
    { namespace: '/service/', scope: 'batman', name: 'pg1' },
    { logger: quiet, clock },
  );
  expect(await kvDcs.acquireLeader()).toBe(true);
  events.length = 0;
  const dcs = wrap(kvDcs);
  const postgres = new MemoryPostgres('pg1', new PostgresWorld());
  const renewed = await executeEffect(
    {
      dcs,
      postgres,
      peers: { fetchStatus: async () => null, postFailsafe: async () => false },
      clock,
      logger: quiet,
      watchdog: {
        isUsable: () => true,
        activate: async () => true,
        keepalive: async () => {
          events.push('keepalive');
        },
        disable: async () => {},
      },
      actions: new ActionRunner({ postgres, dcs, clock, logger: quiet, startTimeoutMs: () => 1 }),
      peerTimeoutMs: 2000,
      loadCluster: () => Promise.reject(new Error('not used here')),
      lastCluster: () => EMPTY_CLUSTER,
      clearScheduledRestart: () => {},
    },
    {
      kind: 'dcs.renew-leader',
      status: { lastLsn: asLsn(123) },
      failsafe: { pg1: 'http://pg1:8008/patroni' },
      ...(keepalive ? { keepalive: true } : {}),
    },
  );
  expect(renewed).toBe(true);
  return events;
}

/** A `Dcs` that knows nothing of the hook (as the Kubernetes one): renews with three arguments. */
function withoutHook(inner: KvDcs): Dcs {
  const plain = Object.create(inner) as KvDcs;
  return Object.assign(plain, {
    renewLeader: (cluster: Cluster, status?: LeaderStatus, failsafe?: Readonly<Record<MemberName, string>>) =>
      inner.renewLeader(cluster, status, failsafe),
  });
}

// ha-loop.md §14.3: the watchdog is kept alive right after the lease renewal; the sim found (seed 281) that
// with /status and /failsafe writes of a slow DCS in between, the keepalive lagged the lease start by more
// than safety_margin, so a hung primary kept accepting writes after its key expired.
describe('the renewal keeps the watchdog alive right after the lease', () => {
  it('KvDcs: keepalive between the leader write and the /status, /failsafe writes', async () => {
    expect(await renewalEvents((dcs) => dcs, true)).toEqual([
      'write leader',
      'keepalive',
      'write status',
      'write failsafe',
    ]);
  });

  it('a Dcs without the hook: keepalive after the whole renewal', async () => {
    expect(await renewalEvents(withoutHook, true)).toEqual([
      'write leader',
      'write status',
      'write failsafe',
      'keepalive',
    ]);
  });

  it('no keepalive unless asked', async () => {
    expect(await renewalEvents((dcs) => dcs, false)).toEqual([
      'write leader',
      'write status',
      'write failsafe',
    ]);
  });
});
