import type { UpstreamMember } from '@patroni/ha-core';
import type { PgContext } from './context.js';
import { errorMessage } from './errors.js';
import { newPgClient } from './pg-driver.js';
import { leaderSlotConnection } from './slot-copy.js';

/**
 * Copied logical slots not yet known to be safe after a failover (postgres.md §9.4): name → the leader's
 * `catalog_xmin` of that slot, remembered once this replica's physical slot on the leader holds a
 * `catalog_xmin` (null until then).
 */
export type PendingLogicalSlots = Map<string, number | null>;

/** catalog_xmin of logical slots on the replica, as the sync read them. */
export type LocalCatalogXmins = ReadonlyMap<string, number | null>;

/**
 * A pending slot becomes safe when the leader-side physical slot of this replica has a catalog_xmin that is
 * ≥ the leader's logical slot catalog_xmin at copy time and ≤ the copy's own catalog_xmin (Patroni's
 * `_ready_logical_slots`). A slot that no longer exists here leaves the list silently.
 */
export function readySlots(
  pending: PendingLogicalSlots,
  local: LocalCatalogXmins,
  physicalCatalogXmin: number | null,
): string[] {
  const ready: string[] = [];
  for (const [name, primaryXmin] of pending) {
    if (!local.has(name)) {
      pending.delete(name);
      continue;
    }
    const localXmin = local.get(name) ?? 0;
    if (
      physicalCatalogXmin !== null &&
      primaryXmin !== null &&
      primaryXmin <= physicalCatalogXmin &&
      physicalCatalogXmin <= localXmin
    ) {
      pending.delete(name);
      ready.push(name);
    }
  }
  return ready;
}

/**
 * Patroni's check_logical_slots_readiness on a replica: reads the catalog_xmin of this replica's physical
 * slot (and of the pending slots) on the leader, then marks slots safe. Without a catalog_xmin on the
 * physical slot it checks hot_standby_feedback and logs an error when it is off.
 */
export async function checkLogicalSlotsReadiness(
  ctx: PgContext,
  leader: UpstreamMember | null,
  physicalSlot: string | null,
  local: LocalCatalogXmins,
): Promise<void> {
  const pending = ctx.pendingLogicalSlots;
  let physicalXmin: number | null = null;
  if (pending.size > 0 && leader && physicalSlot) {
    const config = leaderSlotConnection(ctx, leader);
    if (config === null) return;
    const unknown = [...pending].filter(([, xmin]) => xmin === null).map(([name]) => name);
    const client = await newPgClient(config);
    client.on('error', () => undefined);
    let rows: { slot_name: string; catalog_xmin: string | null }[];
    try {
      await client.connect();
      const result = await client.query<{ slot_name: string; catalog_xmin: string | null }>(
        `SELECT slot_name, catalog_xmin::text AS catalog_xmin FROM pg_catalog.pg_get_replication_slots()
         WHERE NOT pg_catalog.pg_is_in_recovery() AND slot_name = ANY($1)`,
        [[...unknown, physicalSlot]],
      );
      rows = result.rows;
    } catch (error) {
      ctx.logger.error(
        `Failed to check ${physicalSlot} physical slot on the primary: ${errorMessage(error)}`,
      );
      return;
    } finally {
      await client.end().catch(() => undefined);
    }
    const physical = rows.find((r) => r.slot_name === physicalSlot);
    if (!physical) {
      ctx.logger.warn(`Physical slot ${physicalSlot} does not exist on the primary`);
      return;
    }
    if (physical.catalog_xmin === null) {
      await warnWithoutFeedback(ctx);
      return;
    }
    physicalXmin = Number(physical.catalog_xmin);
    for (const row of rows) {
      if (row.slot_name !== physicalSlot && row.catalog_xmin !== null)
        pending.set(row.slot_name, Number(row.catalog_xmin));
    }
  }
  for (const name of readySlots(pending, local, physicalXmin))
    ctx.logger.info(`Logical slot ${name} is safe to be used after a failover`);
}

async function warnWithoutFeedback(ctx: PgContext): Promise<void> {
  try {
    const [row] = await ctx.query<{ on: boolean }>(
      "SELECT pg_catalog.current_setting('hot_standby_feedback')::boolean AS on",
    );
    if (row && !row.on)
      ctx.logger.error(
        'Logical slot failover requires "hot_standby_feedback". Please check postgresql.auto.conf',
      );
  } catch (error) {
    ctx.logger.error(`Failed to check the hot_standby_feedback setting: ${errorMessage(error)}`);
  }
}
