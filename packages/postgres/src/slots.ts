import type { DesiredSlot, DesiredSlots, PostgresState, SlotSyncResult } from '@patroni/ha-core';
import { formatLsn } from '@patroni/ha-core';
import type { PgContext, PostgresRole } from './context.js';
import { errorMessage } from './errors.js';
import { checkLogicalSlotsReadiness } from './slot-readiness.js';
import { sqlLiteral } from './sql-literal.js';

export interface ExistingSlot {
  slot_name: string;
  slot_type: 'physical' | 'logical';
  database: string | null;
  plugin: string | null;
  active: boolean;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  /** Physical slots: hot-standby feedback xmin (text), null when none. */
  xmin?: string | null;
  catalog_xmin?: string | null;
  /** PG ≥ 13 (`lost` means the WAL it needs is gone). */
  wal_status?: string | null;
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
  /** Why a slot is dropped and recreated (logged as Patroni does), by name. */
  readonly reasons: Readonly<Record<string, string>>;
}

export interface PlanOptions {
  /** The server is a replica: logical slots are copied and advanced elsewhere (slot-advance.ts). */
  readonly replica?: boolean;
  /** pg_replication_slot_advance exists (PG ≥ 11): enables the [4.x] hygiene rules. */
  readonly canAdvance?: boolean;
}

/** [4.x] Why an existing desired physical slot must be dropped and recreated (postgres.md §9.2), or null. */
function physicalHygiene(slot: ExistingSlot, want: DesiredSlot, cleanInactive: boolean): string | null {
  if (cleanInactive && want.expectedActive === false && slot.xmin)
    return `Dropping physical replication slot ${slot.slot_name} because of its xmin value ${slot.xmin}`;
  if (want.expectedActive !== true && !slot.xmin && slot.restart_lsn === null && !slot.active)
    return `Dropping physical replication slot ${slot.slot_name} because it has no restart_lsn. This slot was probably not created by Patroni, but by an external agent.`;
  return null;
}

/** What to drop, create and advance (pure; postgres.md §9). */
export function planSlotChanges(
  existing: readonly ExistingSlot[],
  desired: DesiredSlots,
  options: PlanOptions = {},
): SlotChanges {
  const drop: string[] = [];
  const create: string[] = [];
  const advance: string[] = [];
  const reasons: Record<string, string> = {};
  const recreate = (name: string, reason: string) => {
    drop.push(name);
    create.push(name);
    reasons[name] = reason;
  };
  for (const slot of existing) {
    const name = slot.slot_name;
    const want = desired.slots[name];
    if (want === undefined) {
      const view = { name, type: slot.slot_type, database: slot.database, plugin: slot.plugin };
      if (desired.dropUnknown && !isIgnored(view, desired.ignore)) drop.push(name);
    } else if (slot.wal_status === 'lost') {
      recreate(name, `Trying to drop replication slot '${name}' with wal_status=lost`);
    } else if (!matches(slot, want)) {
      recreate(name, `Trying to drop replication slot '${name}' because value is changing`);
    } else if (want.type === 'physical' && options.canAdvance) {
      const hygiene = physicalHygiene(slot, want, desired.cleanInactivePhysical === true);
      if (hygiene) recreate(name, hygiene);
    }
  }
  const byName = new Map(existing.map((s) => [s.slot_name, s]));
  for (const [name, want] of Object.entries(desired.slots)) {
    const slot = byName.get(name);
    if (slot === undefined) create.push(name);
    else if (!create.includes(name) && want.lsn !== undefined) {
      if (want.type === 'logical' && options.replica) continue;
      if (want.type === 'physical' && (want.expectedActive === true || slot.xmin)) continue;
      const current = Number((want.type === 'logical' ? slot.confirmed_flush_lsn : slot.restart_lsn) ?? 0);
      if (want.lsn > current) advance.push(name);
    }
  }
  return { drop, create, advance, reasons };
}

/**
 * Runs `sql` in `database` (default: the local connection's). Values are in the text (sqlLiteral), so in the
 * default database it runs on the heartbeat connection and a replica needs no node-postgres.
 */
async function inDatabase(ctx: PgContext, database: string | undefined, sql: string): Promise<unknown> {
  if (database === undefined || database === ctx.config.database) return ctx.query(sql);
  return ctx.withConnection((run) => run(sql), { database });
}

const lsnBytes = (expr: string) => `pg_catalog.pg_wal_lsn_diff(${expr}, '0/0')::bigint`;

interface ServerFacts {
  recovery: boolean;
  version: number;
  replayed: string | null;
}

/** The slots and facts of one status query (observe.ts), with the role and state it was read in. */
export interface ObservedSlots {
  readonly existing: readonly ExistingSlot[];
  readonly facts: Readonly<ServerFacts>;
  readonly role: PostgresRole;
  readonly state: PostgresState;
}

/**
 * The slots this cycle's observe() read, taken once, while the role and state are still those it was read
 * in (a promote or restart in between means reading again). Spares a second query every cycle.
 */
function takeObservedSlots(ctx: PgContext): ObservedSlots | null {
  const observed = ctx.observedSlots;
  ctx.observedSlots = null;
  if (observed === null || observed.role !== ctx.role || observed.state !== ctx.state) return null;
  return observed;
}

/** The server facts joined to every non-temporary slot (none: one row of facts only). */
async function readSlots(ctx: PgContext): Promise<{ existing: ExistingSlot[]; facts: ServerFacts }> {
  const version = await ctx.binaries.serverVersion();
  const walStatus = version >= 130000 ? 's.wal_status' : 'NULL::text AS wal_status';
  const rows = await ctx.query<
    ExistingSlot & { recovery: boolean; version: number; replayed: string | null }
  >(
    `SELECT f.recovery, f.version, f.replayed,
       s.slot_name, s.slot_type, s.database, s.plugin, s.active, s.xmin::text AS xmin,
       s.catalog_xmin::text AS catalog_xmin, ${lsnBytes('s.restart_lsn')}::text AS restart_lsn,
       ${lsnBytes('s.confirmed_flush_lsn')}::text AS confirmed_flush_lsn, ${walStatus}
     FROM (SELECT pg_catalog.pg_is_in_recovery() AS recovery,
             pg_catalog.current_setting('server_version_num')::int AS version,
             ${lsnBytes('pg_catalog.pg_last_wal_replay_lsn()')}::text AS replayed) AS f
     LEFT JOIN pg_catalog.pg_replication_slots AS s ON NOT s.temporary`,
  );
  const facts = rows[0];
  const existing = rows
    .filter((row) => row.slot_name !== null)
    .map(({ recovery: _r, version: _v, replayed: _p, ...slot }) => slot);
  return {
    existing,
    facts: {
      recovery: facts?.recovery === true,
      version: facts?.version ?? 0,
      replayed: facts?.replayed ?? null,
    },
  };
}

async function dropSlot(ctx: PgContext, slot: ExistingSlot | undefined, name: string, reason?: string) {
  ctx.logger.info(reason ?? `Trying to drop unknown replication slot '${name}'`);
  await inDatabase(
    ctx,
    slot?.database ?? undefined,
    `SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = ${sqlLiteral(name)} AND NOT active`,
  ).catch((error) => ctx.logger.error(`Failed to drop replication slot '${name}': ${errorMessage(error)}`));
}

async function createSlot(ctx: PgContext, name: string, want: DesiredSlot): Promise<void> {
  const slot = sqlLiteral(name);
  const absent = `WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ${slot})`;
  try {
    if (want.type === 'physical')
      await ctx.query(`SELECT pg_catalog.pg_create_physical_replication_slot(${slot}, true) ${absent}`);
    else
      await inDatabase(
        ctx,
        want.database,
        `SELECT pg_catalog.pg_create_logical_replication_slot(${slot}, ${want.plugin === undefined ? 'NULL' : sqlLiteral(want.plugin)}) ${absent}`,
      );
  } catch (error) {
    ctx.logger.error(`Failed to create replication slot '${name}': ${errorMessage(error)}`);
  }
}

/**
 * Replica side of logical slots (postgres.md §9.4): missing ones with a known position are reported for a
 * copy; existing ones are handed to the background advancer with target min(published, replayed).
 */
function replicaLogicalSlots(
  ctx: PgContext,
  existing: readonly ExistingSlot[],
  desired: DesiredSlots,
  plan: SlotChanges,
  replayed: number,
): string[] {
  const copy: string[] = [];
  const targets = new Map<string, Map<string, number>>();
  for (const [name, want] of Object.entries(desired.slots)) {
    if (want.type !== 'logical' || want.lsn === undefined) continue;
    const slot = existing.find((s) => s.slot_name === name);
    if (slot === undefined || plan.create.includes(name)) {
      copy.push(name);
      continue;
    }
    const target = Math.min(want.lsn, replayed);
    if (Number(slot.confirmed_flush_lsn ?? 0) < target && want.database) {
      const perDb = targets.get(want.database) ?? new Map<string, number>();
      perDb.set(name, target);
      targets.set(want.database, perDb);
    }
  }
  const report = ctx.slotAdvancer.schedule(targets);
  for (const name of report.copy) if (!copy.includes(name)) copy.push(name);
  return copy;
}

/**
 * Creates, advances and drops slots so the server has what `desired` says (postgres.md §9). On a replica
 * returns the logical slots to copy from the primary; `reload` applies a hot_standby_feedback change.
 */
export async function syncReplicationSlots(
  ctx: PgContext,
  desired: DesiredSlots,
  reload: () => Promise<void>,
): Promise<SlotSyncResult> {
  if (
    desired.hotStandbyFeedback !== undefined &&
    desired.hotStandbyFeedback !== ctx.enforceHotStandbyFeedback
  ) {
    ctx.enforceHotStandbyFeedback = desired.hotStandbyFeedback;
    await reload().catch((error) => ctx.logger.warn(`reload failed: ${errorMessage(error)}`));
  }
  const { existing, facts } = takeObservedSlots(ctx) ?? (await readSlots(ctx));
  const canAdvance = facts.version >= 110000;
  const plan = planSlotChanges(existing, desired, { replica: facts.recovery, canAdvance });
  for (const name of plan.drop) {
    const slot = existing.find((s) => s.slot_name === name);
    await dropSlot(ctx, slot, name, plan.reasons[name]);
    ctx.pendingLogicalSlots.delete(name);
  }
  for (const name of plan.create) {
    const want = desired.slots[name] as DesiredSlot;
    if (want.type === 'logical' && facts.recovery) continue;
    await createSlot(ctx, name, want);
  }
  for (const name of plan.advance) {
    const want = desired.slots[name] as DesiredSlot;
    const lsn = formatLsn(want.lsn ?? 0);
    await inDatabase(
      ctx,
      want.type === 'logical' ? want.database : undefined,
      `SELECT pg_catalog.pg_replication_slot_advance(${sqlLiteral(name)}, ${sqlLiteral(lsn)}::pg_lsn)`,
    ).catch((error) =>
      ctx.logger.error(
        `Error while advancing replication slot ${name} to position '${lsn}': ${errorMessage(error)}`,
      ),
    );
  }
  if (!facts.recovery) {
    ctx.pendingLogicalSlots.clear();
    ctx.forceReadinessCheck = false;
    return { copy: [] };
  }
  const logical = existing.filter((s) => s.slot_type === 'logical' && !plan.drop.includes(s.slot_name));
  if (ctx.forceReadinessCheck) {
    for (const slot of logical)
      if (!isIgnored({ ...slotView(slot) }, desired.ignore))
        ctx.pendingLogicalSlots.set(slot.slot_name, null);
    ctx.forceReadinessCheck = false;
  }
  const local = new Map(logical.map((s) => [s.slot_name, s.catalog_xmin ? Number(s.catalog_xmin) : null]));
  await checkLogicalSlotsReadiness(ctx, desired.leader ?? null, desired.slotNameOnPrimary ?? null, local);
  return { copy: replicaLogicalSlots(ctx, existing, desired, plan, Number(facts.replayed ?? 0)) };
}

function slotView(slot: ExistingSlot) {
  return { name: slot.slot_name, type: slot.slot_type, database: slot.database, plugin: slot.plugin };
}
