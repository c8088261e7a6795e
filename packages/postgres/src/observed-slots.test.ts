import { describe, expect, it } from 'vitest';
import type { PgContext } from './context.js';
import { type ObservedSlots, syncReplicationSlots } from './slots.js';

/** Just the PgContext parts the primary side of the slot sync touches, with the queries it sends. */
function fakeContext(observed: ObservedSlots | null) {
  const sent: string[] = [];
  const ctx = {
    role: 'primary',
    state: 'running',
    observedSlots: observed,
    enforceHotStandbyFeedback: false,
    forceReadinessCheck: false,
    pendingLogicalSlots: new Map<string, number | null>(),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    binaries: { serverVersion: async () => 150000 },
    async query(sql: string) {
      sent.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
      // The server's own answer: facts and slot pg_2, as readSlots asks for them.
      return [
        {
          recovery: false,
          version: 150000,
          replayed: null,
          slot_name: 'pg_2',
          slot_type: 'physical',
          database: null,
          plugin: null,
          active: true,
          xmin: null,
          catalog_xmin: null,
          restart_lsn: '100',
          confirmed_flush_lsn: null,
          wal_status: 'reserved',
        },
      ];
    },
  };
  return { ctx: ctx as unknown as PgContext, sent };
}

const observedBy = (role: ObservedSlots['role']): ObservedSlots => ({
  existing: [
    {
      slot_name: 'pg_2',
      slot_type: 'physical',
      database: null,
      plugin: null,
      active: true,
      restart_lsn: '100',
      confirmed_flush_lsn: null,
      xmin: null,
      catalog_xmin: null,
      wal_status: 'reserved',
    },
  ],
  facts: { recovery: false, version: 150000, replayed: null },
  role,
  state: 'running',
});

const desired = { slots: { pg_2: { type: 'physical' as const } }, ignore: [], dropUnknown: true };

describe('the slot sync and the cycle’s observation', () => {
  it('uses the slots the status query just read: no query of its own while nothing is to change', async () => {
    const { ctx, sent } = fakeContext(observedBy('primary'));
    await syncReplicationSlots(ctx, desired, async () => undefined);
    expect(sent).toEqual([]);
    // Taken once: the next sync without a new observation asks the server.
    await syncReplicationSlots(ctx, desired, async () => undefined);
    expect(sent).toEqual(['SELECT f.recovery, f.version,']);
  });

  it('asks the server when the role changed since the observation (a promote in between)', async () => {
    const { ctx, sent } = fakeContext(observedBy('replica'));
    await syncReplicationSlots(ctx, desired, async () => undefined);
    expect(sent).toEqual(['SELECT f.recovery, f.version,']);
  });

  it('drops a slot nobody wants, as seen by the observation', async () => {
    const { ctx, sent } = fakeContext(observedBy('primary'));
    await syncReplicationSlots(ctx, { ...desired, slots: {} }, async () => undefined);
    expect(sent).toEqual(['SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM']);
  });
});
