import { asLsn, type DesiredSlots } from '@patroni/ha-core';
import { describe, expect, it } from 'vitest';
import { type ExistingSlot, planSlotChanges } from './slots.js';

const physical = (name: string, extra: Partial<ExistingSlot> = {}): ExistingSlot => ({
  slot_name: name,
  slot_type: 'physical',
  database: null,
  plugin: null,
  active: false,
  restart_lsn: '100',
  confirmed_flush_lsn: null,
  xmin: null,
  wal_status: 'reserved',
  ...extra,
});

const desired = (slots: DesiredSlots['slots'], extra: Partial<DesiredSlots> = {}): DesiredSlots => ({
  slots,
  ignore: [],
  dropUnknown: true,
  ...extra,
});

describe('[4.x] slot hygiene (postgres.md §9.2)', () => {
  it('recreates an idle slot holding an xmin, only while cleaning is allowed', () => {
    const existing = [physical('pg2', { xmin: '742' })];
    const want = desired({ pg2: { type: 'physical', expectedActive: false, lsn: asLsn(500) } });
    const plan = planSlotChanges(existing, { ...want, cleanInactivePhysical: true }, { canAdvance: true });
    expect(plan).toMatchObject({ drop: ['pg2'], create: ['pg2'], advance: [] });
    expect(plan.reasons.pg2).toBe('Dropping physical replication slot pg2 because of its xmin value 742');
    // Not allowed (no leader / a leader still running as a standby): kept, and not advanced (it has an xmin).
    expect(planSlotChanges(existing, want, { canAdvance: true })).toMatchObject({ drop: [], advance: [] });
    // A slot fed by a walsender legitimately has an xmin.
    const active = desired(
      { pg2: { type: 'physical', expectedActive: true } },
      { cleanInactivePhysical: true },
    );
    expect(planSlotChanges(existing, active, { canAdvance: true }).drop).toEqual([]);
  });

  it('recreates an inactive slot without restart_lsn, and a slot whose WAL is lost', () => {
    const plan = planSlotChanges(
      [physical('external', { restart_lsn: null }), physical('lost', { wal_status: 'lost' })],
      desired({ external: { type: 'physical' }, lost: { type: 'physical' } }),
      { canAdvance: true },
    );
    expect(plan).toMatchObject({ drop: ['external', 'lost'], create: ['external', 'lost'] });
    expect(plan.reasons.lost).toBe("Trying to drop replication slot 'lost' with wal_status=lost");
    // PG < 11: no hygiene (nothing could advance it anyway).
    expect(
      planSlotChanges(
        [physical('external', { restart_lsn: null })],
        desired({ external: { type: 'physical' } }),
      ).drop,
    ).toEqual([]);
  });

  it('advances only slots not expected to be active; logical copies on a replica are left to the advancer', () => {
    const logical: ExistingSlot = {
      ...physical('cdc'),
      slot_type: 'logical',
      database: 'app',
      plugin: 'pgoutput',
      confirmed_flush_lsn: '100',
    };
    const want = desired({
      idle: { type: 'physical', expectedActive: false, lsn: asLsn(900) },
      fed: { type: 'physical', expectedActive: true, lsn: asLsn(900) },
      cdc: { type: 'logical', database: 'app', plugin: 'pgoutput', lsn: asLsn(900) },
    });
    const existing = [physical('idle'), physical('fed'), logical];
    expect(planSlotChanges(existing, want, { canAdvance: true }).advance).toEqual(['idle', 'cdc']);
    expect(planSlotChanges(existing, want, { canAdvance: true, replica: true }).advance).toEqual(['idle']);
  });
});
