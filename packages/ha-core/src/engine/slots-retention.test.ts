import { describe, expect, it } from 'vitest';
import { parseTags } from '../model/tags.js';
import type { DesiredSlots } from '../ports/postgres.js';
import { enforceHotStandbyFeedback, slotNameOnPrimary } from './member-slots.js';
import { desiredSlots, type SlotInput } from './slots.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { NOW_MS, runOneCycle } from './test-support/drive.js';
import { pgPrimary } from './test-support/postgres-builder.js';

const PG15 = 150000;

/** pg1 leads; pg2, pg3 (cascading from pg2), pg4 (nostream) replicate; /status publishes member slots. */
function retentionCluster(config: Record<string, unknown> = {}) {
  return aCluster()
    .withLeader('pg1')
    .withReplica('pg2', { lagBytes: 1000 })
    .withReplica('pg3', { lagBytes: 500, tags: { replicatefrom: 'pg2' } })
    .withReplica('pg4', { tags: { nostream: true } })
    .withConfig(config)
    .withStatus({
      optime: LEADER_LSN,
      slots: { pg1: LEADER_LSN, pg2: LEADER_LSN - 2000, pg3: LEADER_LSN - 9000 },
      retain_slots: ['gone', 'pg2', 'pg3'],
    });
}

function plan(
  overrides: Partial<SlotInput> & { config?: SlotInput['config'] } = {},
  builder = retentionCluster(),
) {
  return desiredSlots({
    me: 'pg2',
    cluster: builder.build(),
    config: builder.config(),
    leader: false,
    nofailover: false,
    nostream: false,
    majorVersion: PG15,
    ...overrides,
  });
}

describe('[4.x] member slot retention (postgres.md §9.2)', () => {
  it('a replica keeps a slot for every other member, advancing the idle ones to the published LSN', () => {
    const { desired, problems } = plan();
    expect(problems).toEqual([]);
    expect(desired.slots).toEqual({
      // The leader's own name, published at its position: not fed by anyone here.
      pg1: { type: 'physical', expectedActive: false, lsn: LEADER_LSN },
      // pg3 cascades from me: fed by its walsender, never advanced by the agent.
      pg3: { type: 'physical', expectedActive: true },
      // A member gone but still listed in retain_slots.
      gone: { type: 'physical' },
    });
  });

  it('a cascading member advances to max(published, its own xlog_location)', () => {
    const { desired } = plan({ me: 'pg4' });
    expect(desired.slots.pg3).toEqual({ type: 'physical', expectedActive: false, lsn: LEADER_LSN - 500 });
    // pg2 has no replicatefrom: the published value alone counts, though the member is further ahead.
    expect(desired.slots.pg2).toEqual({ type: 'physical', expectedActive: false, lsn: LEADER_LSN - 2000 });
    expect(desired.slots.pg4).toBeUndefined();
  });

  it('a leader older than 4.0 makes every member position count', () => {
    const builder = aCluster()
      .withLeader('pg1', { extra: { version: '3.3.2' } })
      .withReplica('pg2', { lagBytes: 10 })
      .withReplica('pg3')
      .withStatus({ optime: LEADER_LSN, slots: { pg2: 5 } });
    const { desired } = plan({ me: 'pg3' }, builder);
    expect(desired.slots.pg2).toEqual({ type: 'physical', expectedActive: false, lsn: LEADER_LSN - 10 });
  });

  it('on the leader every member keeps a slot; only the cascading one is expected idle', () => {
    const { desired } = plan({ me: 'pg1', leader: true });
    expect(desired.slots).toEqual({
      pg2: { type: 'physical', expectedActive: true },
      pg3: { type: 'physical', expectedActive: false, lsn: LEADER_LSN - 500 },
      gone: { type: 'physical' },
    });
  });

  it('a nofailover node keeps only slots of members cascading from it, and no retained names', () => {
    expect(Object.keys(plan({ nofailover: true }).desired.slots)).toEqual(['pg3']);
    expect(Object.keys(plan({ me: 'pg4', nofailover: true }).desired.slots)).toEqual([]);
  });

  it('member_slots_ttl 0 or PG < 11: the 3.3.1 rules', () => {
    // (retain_slots would still be honoured; a leader with ttl 0 does not write any.)
    const noTtl = retentionCluster({ member_slots_ttl: 0 }).withStatus({ optime: LEADER_LSN });
    expect(Object.keys(plan({ me: 'pg1', leader: true }, noTtl).desired.slots)).toEqual(['pg2']);
    expect(Object.keys(plan({}, noTtl).desired.slots)).toEqual(['pg3']);
    const noRetained = retentionCluster().withStatus({ optime: LEADER_LSN });
    expect(
      Object.keys(plan({ me: 'pg1', leader: true, majorVersion: 100000 }, noRetained).desired.slots),
    ).toEqual(['pg2']);
  });

  it('reports members sharing a slot name', () => {
    const builder = aCluster().withLeader('pg1').withReplica('a-b').withReplica('a.b');
    expect(plan({ me: 'pg1', leader: true }, builder).problems).toEqual([
      'Following cluster members share a replication slot name: a-b, a.b map to a_b',
    ]);
  });

  it('permanent physical slots: expected active on the leader only, advanced elsewhere', () => {
    const builder = retentionCluster({ slots: { keep: null } }).withStatus({
      optime: LEADER_LSN,
      slots: { keep: 700 },
    });
    expect(plan({ me: 'pg1', leader: true }, builder).desired.slots.keep).toEqual({
      type: 'physical',
      expectedActive: true,
    });
    expect(plan({}, builder).desired.slots.keep).toEqual({
      type: 'physical',
      expectedActive: false,
      lsn: 700,
    });
  });
});

describe('slot topology helpers', () => {
  const tags = (value: Record<string, unknown>) => parseTags(value);
  const cluster = aCluster()
    .withLeader('pg1')
    .withReplica('pg2', { tags: { nofailover: true } })
    .withReplica('pg3', { tags: { replicatefrom: 'pg2' } })
    .withReplica('loop1', { tags: { replicatefrom: 'loop2' } })
    .withReplica('loop2', { tags: { replicatefrom: 'loop1' } })
    .withReplica('ns', { tags: { nostream: true } })
    .withReplica('pg5', { tags: { replicatefrom: 'ns' } });

  it('resolves the slot on the primary along a cascade, with loop and nostream protection', () => {
    const built = cluster.build();
    expect(slotNameOnPrimary(built, 'pg3', tags({ replicatefrom: 'pg2' }))).toBe('pg2');
    expect(slotNameOnPrimary(built, 'pg2', tags({}))).toBe('pg2');
    expect(slotNameOnPrimary(built, 'loop1', tags({ replicatefrom: 'loop2' }))).toBeNull();
    expect(slotNameOnPrimary(built, 'pg5', tags({ replicatefrom: 'ns' }))).toBeNull();
    expect(slotNameOnPrimary(built, 'x', tags({ replicatefrom: 'unknown' }))).toBe('x');
  });

  it('forces hot_standby_feedback on nodes that hold logical slots or feed one that does', () => {
    const logical = cluster.withConfig({ slots: { cdc: { database: 'app', plugin: 'pgoutput' } } });
    const input = (me: string, config = logical.config()) => ({
      me,
      cluster: logical.build(),
      config,
      nofailover: false,
      majorVersion: PG15,
    });
    expect(enforceHotStandbyFeedback(input('pg3'), tags({ replicatefrom: 'pg2' }))).toBe(true);
    // nofailover: no logical slots itself, but pg3 cascades from it and has them.
    expect(enforceHotStandbyFeedback(input('pg2'), tags({ nofailover: true }))).toBe(true);
    expect(enforceHotStandbyFeedback(input('ns'), tags({ nostream: true }))).toBe(false);
    expect(enforceHotStandbyFeedback({ ...input('pg3'), majorVersion: 100000 }, tags({}))).toBe(false);
    const physicalOnly = aCluster().withLeader('pg1').withReplica('pg3').config();
    expect(enforceHotStandbyFeedback(input('pg3', physicalOnly), tags({}))).toBe(false);
  });
});

describe('logical slot copy trigger (ha-loop.md §3 step 13)', () => {
  const cdc = { database: 'app', plugin: 'test_decoding' };
  const withLogical = () =>
    aCluster()
      .withLeader('pg1')
      .withReplica('pg2')
      .withConfig({ slots: { cdc } })
      .withStatus({ optime: LEADER_LSN, slots: { cdc: 4242 } });
  const replicaSummary = 'no action. I am (pg2), a secondary, and following a leader (pg1)';

  function syncEffect(run: ReturnType<typeof runOneCycle>): DesiredSlots {
    const effect = run.effects.find((e) => e.kind === 'pg.sync-slots');
    if (effect?.kind !== 'pg.sync-slots') throw new Error('no sync');
    return effect.desired;
  }

  it('a replica missing a logical slot with a known position copies it in the background', () => {
    const run = runOneCycle({
      me: 'pg2',
      cluster: withLogical(),
      respond: { 'pg.sync-slots': { copy: ['cdc'] } },
    });
    expect(run.summary).toBe("Copying logical slots ['cdc'] from the primary");
    const start = run.effects.find((e) => e.kind === 'action.start');
    expect(start).toMatchObject({
      name: 'copy_logical_slots',
      work: {
        kind: 'copy-logical-slots',
        leader: { name: 'pg1', connUrl: 'postgres://pg1:5432/postgres' },
        slots: { cdc: { type: 'logical', ...cdc, lsn: 4242 } },
        start: { role: 'replica', upstream: { name: 'pg1' } },
      },
    });
    const desired = syncEffect(run);
    expect(desired).toMatchObject({
      hotStandbyFeedback: true,
      slotNameOnPrimary: 'pg2',
      cleanInactivePhysical: true,
      leader: { name: 'pg1' },
    });
    expect(desired.slots.cdc).toEqual({ type: 'logical', ...cdc, lsn: 4242 });
  });

  it('no copy while failsafe is active, on the leader, or while another action runs', () => {
    const failsafe = runOneCycle({
      me: 'pg2',
      cluster: withLogical().withConfig({ failsafe_mode: true }),
      respond: { 'pg.sync-slots': { copy: ['cdc'] } },
      failsafeReceived: {
        payload: {
          name: 'pg1',
          conn_url: 'postgres://pg1:5432/postgres',
          api_url: 'http://pg1:8008/patroni',
        },
        receivedAtMs: NOW_MS - 1000,
      },
    });
    expect(failsafe.summary).toBe(replicaSummary);
    expect(failsafe.lines.some((l) => l.startsWith('action.start'))).toBe(false);

    const leader = runOneCycle({
      me: 'pg1',
      cluster: withLogical(),
      pg: pgPrimary(),
      state: { role: 'primary', leaderExpiryMs: NOW_MS + 20_000 },
      respond: { 'pg.sync-slots': { copy: ['cdc'] } },
    });
    expect(leader.summary).toBe('no action. I am (pg1), the leader with the lock');
    expect(syncEffect(leader).leader).toBeNull();

    const busy = runOneCycle({
      me: 'pg2',
      cluster: withLogical(),
      respond: {
        'pg.sync-slots': { copy: ['cdc'] },
        'action.start': { started: false, running: 'restart' },
      },
    });
    expect(busy.summary).toBe(replicaSummary);
    expect(busy.lines).toContain(
      'log info: Failed to run copy_logical_slots, restart is already in progress',
    );
  });

  it('without a published position a replica keeps its logical slot but neither copies nor advances it', () => {
    const builder = withLogical().withStatus({ optime: LEADER_LSN });
    expect(plan({}, builder).desired.slots.cdc).toEqual({ type: 'logical', ...cdc });
    // The leader never carries a position for its own logical slots.
    expect(plan({ me: 'pg1', leader: true }).desired.slots.cdc).toBeUndefined();
    expect(plan({ me: 'pg1', leader: true }, withLogical()).desired.slots.cdc).toEqual({
      type: 'logical',
      ...cdc,
    });
  });

  it('a name the port reports that is not a desired logical slot is not copied', () => {
    const run = runOneCycle({
      me: 'pg2',
      cluster: withLogical(),
      respond: { 'pg.sync-slots': { copy: ['pg1'] } },
    });
    expect(run.summary).toBe(replicaSummary);
  });
});
