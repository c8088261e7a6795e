import type { DesiredSlot, DesiredSlots } from '@patroni/ha-core';
import { formatLsn } from '@patroni/ha-core';
import type { PgContext } from './context.js';
import { errorMessage } from './errors.js';

interface ExistingSlot {
  slot_name: string;
  slot_type: 'physical' | 'logical';
  database: string | null;
  plugin: string | null;
  active: boolean;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
}

/** An `ignore_slots` matcher applies when every key it gives equals the slot's attribute (postgres.md §9.5). */
export function isIgnored(
  slot: { name: string; type: string; database: string | null; plugin: string | null },
  ignore: DesiredSlots['ignore'],
): boolean {
  return ignore.some((matcher) =>
    Object.entries(matcher).every(([key, value]) => {
      const actual =
        key === 'name'
          ? slot.name
          : key === 'type'
            ? slot.type
            : key === 'database'
              ? slot.database
              : key === 'plugin'
                ? slot.plugin
                : undefined;
      return actual === value;
    }),
  );
}

function matches(existing: ExistingSlot, desired: DesiredSlot): boolean {
  if (existing.slot_type !== desired.type) return false;
  if (desired.type === 'physical') return true;
  return existing.database === (desired.database ?? null) && existing.plugin === (desired.plugin ?? null);
}

export interface SlotChanges {
  readonly drop: readonly string[];
  readonly create: readonly string[];
  readonly advance: readonly string[];
}

const lsnBytes = (expr: string) => `pg_catalog.pg_wal_lsn_diff(${expr}, '0/0')::bigint`;

/** What to drop, create and advance (pure; postgres.md §9). */
export function planSlotChanges(existing: readonly ExistingSlot[], desired: DesiredSlots): SlotChanges {
  const drop: string[] = [];
  const create: string[] = [];
  const advance: string[] = [];
  const byName = new Map(existing.map((s) => [s.slot_name, s]));
  for (const slot of existing) {
    const want = desired.slots[slot.slot_name];
    if (want === undefined) {
      const view = {
        name: slot.slot_name,
        type: slot.slot_type,
        database: slot.database,
        plugin: slot.plugin,
      };
      if (desired.dropUnknown && !isIgnored(view, desired.ignore)) drop.push(slot.slot_name);
    } else if (!matches(slot, want)) {
      drop.push(slot.slot_name);
      create.push(slot.slot_name);
    }
  }
  for (const [name, want] of Object.entries(desired.slots)) {
    const slot = byName.get(name);
    if (slot === undefined) create.push(name);
    else if (!create.includes(name) && want.lsn !== undefined) {
      const current = Number((want.type === 'logical' ? slot.confirmed_flush_lsn : slot.restart_lsn) ?? 0);
      if (want.lsn > current) advance.push(name);
    }
  }
  return { drop, create, advance };
}

async function inDatabase<T>(
  ctx: PgContext,
  database: string | undefined,
  work: (q: (sql: string, p: unknown[]) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  if (database === undefined || database === ctx.config.database)
    return work((sql, params) => ctx.query(sql, params));
  return ctx.withConnection((client) => work((sql, params) => client.query(sql, params)), { database });
}

/** Creates, advances and drops slots so the server has what `desired` says (postgres.md §9). */
export async function syncReplicationSlots(ctx: PgContext, desired: DesiredSlots): Promise<void> {
  const existing = await ctx.query<ExistingSlot>(
    `SELECT slot_name, slot_type, database, plugin, active, ${lsnBytes('restart_lsn')}::text AS restart_lsn,
       ${lsnBytes('confirmed_flush_lsn')}::text AS confirmed_flush_lsn
     FROM pg_catalog.pg_replication_slots WHERE NOT temporary`,
  );
  const [recovery] = await ctx.query<{ r: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS r');
  const plan = planSlotChanges(existing, desired);
  for (const name of plan.drop) {
    const slot = existing.find((s) => s.slot_name === name);
    await inDatabase(ctx, slot?.database ?? undefined, (q) =>
      q(
        'SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active',
        [name],
      ),
    ).catch((error) => ctx.logger.error(`Failed to drop replication slot '${name}': ${errorMessage(error)}`));
  }
  for (const name of plan.create) {
    const want = desired.slots[name] as DesiredSlot;
    try {
      if (want.type === 'physical')
        await ctx.query(
          `SELECT pg_catalog.pg_create_physical_replication_slot($1, true)
           WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1)`,
          [name],
        );
      else if (recovery?.r) ctx.logger.debug(`logical slot ${name} is not created on a replica`);
      else
        await inDatabase(ctx, want.database, (q) =>
          q(
            `SELECT pg_catalog.pg_create_logical_replication_slot($1, $2)
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1)`,
            [name, want.plugin],
          ),
        );
    } catch (error) {
      ctx.logger.error(`Failed to create replication slot '${name}': ${errorMessage(error)}`);
    }
  }
  for (const name of plan.advance) {
    const want = desired.slots[name] as DesiredSlot;
    await inDatabase(ctx, want.type === 'logical' ? want.database : undefined, (q) =>
      q('SELECT pg_catalog.pg_replication_slot_advance($1, $2::pg_lsn)', [name, formatLsn(want.lsn ?? 0)]),
    ).catch((error) =>
      ctx.logger.warn(`Failed to advance replication slot '${name}': ${errorMessage(error)}`),
    );
  }
}
