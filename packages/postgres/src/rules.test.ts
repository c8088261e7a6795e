import { asLsn } from '@patroni/ha-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveParameters } from './parameters.js';
import { decideRewind, localPositionFromControlData } from './rewind.js';
import { planSlotChanges } from './slots.js';
import { parseSynchronousStandbyNames, renderSynchronousStandbyNames } from './sync-names.js';

const base = {
  local: {},
  dynamic: {},
  listenAddresses: ['127.0.0.1'],
  port: 5433,
  scope: 'demo',
  version: 150002,
  configDir: '/c',
  replicaControlData: null,
  warn: () => undefined,
};

describe('effective parameters (config.md §5)', () => {
  it('forces listen/port/cluster_name, guarded defaults, command line order', () => {
    const result = effectiveParameters({
      ...base,
      local: { port: 1, max_connections: 500, work_mem: '8MB', primary_conninfo: 'x' },
    });
    expect(result.conf).toMatchObject({
      listen_addresses: '127.0.0.1',
      port: '5433',
      cluster_name: 'demo',
      max_connections: '100',
      wal_level: 'replica',
      work_mem: '8MB',
      wal_keep_size: '128MB',
      hba_file: '/c/pg_hba.conf',
    });
    expect(result.conf.wal_keep_segments).toBeUndefined();
    expect(result.conf.primary_conninfo).toBeUndefined();
    expect(result.recoveryFromParameters).toEqual({ primary_conninfo: 'x' });
    expect(result.commandLine.slice(0, 5)).toEqual([
      '--listen_addresses=127.0.0.1',
      '--port=5433',
      '--cluster_name=demo',
      '--wal_level=replica',
      '--hot_standby=on',
    ]);
  });

  it('validates dynamic guarded values and converts wal_keep_segments', () => {
    const warnings: string[] = [];
    const result = effectiveParameters({
      ...base,
      dynamic: {
        max_connections: 10,
        max_wal_senders: '20',
        wal_keep_segments: 4,
        wal_log_hints: 'off',
        wal_level: 'LOGICAL',
      },
      warn: (m) => warnings.push(m),
    });
    expect(result.conf).toMatchObject({
      max_connections: '100',
      max_wal_senders: '20',
      wal_keep_size: '64MB',
      wal_log_hints: 'off',
      wal_level: 'logical',
    });
    expect(warnings).toEqual([
      'postgresql parameter max_connections=10 failed validation, defaulting to 100',
    ]);
  });

  it('replica safety: controldata values above the configured ones win and are reported', () => {
    const result = effectiveParameters({
      ...base,
      replicaControlData: { 'max_connections setting': '200', 'max_wal_senders setting': '5' },
    });
    expect(result.conf.max_connections).toBe('200');
    expect(result.bumped).toEqual({ max_connections: { old_value: '200', new_value: '100' } });
    expect(result.commandLine).toContain('--max_connections=200');
  });
});

describe('synchronous_standby_names', () => {
  it('renders the forms of compat-notes.md', () => {
    expect(renderSynchronousStandbyNames({ mode: 'priority', names: ['pg-2'] })).toBe('"pg-2"');
    expect(renderSynchronousStandbyNames({ mode: 'priority', names: ['pg-2', 'pg-1'] })).toBe(
      '2 ("pg-1","pg-2")',
    );
    expect(renderSynchronousStandbyNames({ mode: 'quorum', numSync: 1, names: ['pg-2', 'pg-0'] })).toBe(
      'ANY 1 ("pg-0","pg-2")',
    );
    expect(renderSynchronousStandbyNames({ mode: 'quorum', numSync: 1, names: ['*'] })).toBe('ANY 1 (*)');
    expect(renderSynchronousStandbyNames({ mode: 'priority', names: ['a', '*'] })).toBe('*');
    expect(renderSynchronousStandbyNames({ mode: 'priority', names: [] })).toBeNull();
    expect(renderSynchronousStandbyNames({ mode: 'quorum', numSync: 1, names: [] })).toBe('*');
    expect(renderSynchronousStandbyNames({ mode: 'priority', names: ['a"b'] })).toBe('"a""b"');
  });

  it('parses user and Patroni values', () => {
    expect(parseSynchronousStandbyNames('')).toEqual({
      type: 'off',
      numSync: 0,
      members: [],
      hasStar: false,
    });
    expect(parseSynchronousStandbyNames('"pg-2"')).toMatchObject({
      type: 'priority',
      numSync: 1,
      members: ['pg-2'],
    });
    expect(parseSynchronousStandbyNames('FIRST 2 (a, "b c")')).toMatchObject({
      type: 'priority',
      numSync: 2,
      members: ['a', 'b c'],
    });
    expect(parseSynchronousStandbyNames('any 1 (*)')).toMatchObject({
      type: 'quorum',
      numSync: 1,
      hasStar: true,
    });
    expect(parseSynchronousStandbyNames('a, b')).toMatchObject({ members: ['a', 'b'] });
    expect(parseSynchronousStandbyNames('2 (a b)')).toBeNull();
    expect(parseSynchronousStandbyNames('ANY (a)')).toBeNull();
  });

  it('round-trips any set of names', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '*'),
          { minLength: 1, maxLength: 5 },
        ),
        fc.integer({ min: 1, max: 5 }),
        (names, numSync) => {
          const parsed = parseSynchronousStandbyNames(
            renderSynchronousStandbyNames({ mode: 'quorum', numSync, names }) ?? '',
          );
          expect(parsed?.type).toBe('quorum');
          expect(parsed?.numSync).toBe(numSync);
          expect([...(parsed?.members ?? [])].sort()).toEqual([...names].sort());
        },
      ),
    );
  });
});

describe('rewind decision (postgres.md §7.3)', () => {
  const history = [{ parentTimeline: 1, switchpoint: asLsn(1000) }];
  it('compares timelines and switchpoints', () => {
    expect(decideRewind({ inRecovery: true, timeline: 3, lsn: asLsn(1) }, 2, [], null)).toBe('need');
    expect(decideRewind({ inRecovery: true, timeline: 2, lsn: asLsn(1) }, 2, [], null)).toBe('not-need');
    expect(decideRewind({ inRecovery: true, timeline: 1, lsn: asLsn(999) }, 2, history, null)).toBe(
      'not-need',
    );
    expect(decideRewind({ inRecovery: true, timeline: 1, lsn: asLsn(1001) }, 2, history, null)).toBe('need');
    expect(decideRewind({ inRecovery: false, timeline: 1, lsn: asLsn(1000) }, 2, history, null)).toBe('need');
    expect(decideRewind({ inRecovery: false, timeline: 1, lsn: asLsn(900) }, 2, history, asLsn(1000))).toBe(
      'not-need',
    );
    expect(decideRewind({ inRecovery: false, timeline: 1, lsn: asLsn(900) }, 2, history, asLsn(990))).toBe(
      'need',
    );
    expect(
      decideRewind(
        { inRecovery: true, timeline: 1, lsn: asLsn(5) },
        3,
        [{ parentTimeline: 2, switchpoint: asLsn(9) }],
        null,
      ),
    ).toBe('need');
  });

  it('reads the local position of a stopped server from controldata', () => {
    expect(
      localPositionFromControlData({
        'Database cluster state': 'shut down in recovery',
        'Minimum recovery ending location': '0/3000000',
        "Min recovery ending loc's timeline": '2',
      }),
    ).toEqual({ inRecovery: true, timeline: 2, lsn: 0x3000000 });
    expect(
      localPositionFromControlData({
        'Database cluster state': 'shut down in recovery',
        'Minimum recovery ending location': '0/0',
        "Min recovery ending loc's timeline": '0',
        'Latest checkpoint location': '0/2000028',
        "Latest checkpoint's TimeLineID": '1',
      }),
    ).toEqual({ inRecovery: false, timeline: 1, lsn: 0x2000028 });
    expect(localPositionFromControlData({ 'Database cluster state': 'in production' })).toBeNull();
  });
});

describe('slot plan (postgres.md §9)', () => {
  const slot = (
    name: string,
    type: 'physical' | 'logical',
    extra: Partial<{ database: string; plugin: string; restart: string; confirmed: string }> = {},
  ) => ({
    slot_name: name,
    slot_type: type,
    database: extra.database ?? null,
    plugin: extra.plugin ?? null,
    active: false,
    restart_lsn: extra.restart ?? '100',
    confirmed_flush_lsn: extra.confirmed ?? null,
  });
  it('drops unknown unless ignored, recreates changed, creates missing, advances behind ones', () => {
    const plan = planSlotChanges(
      [
        slot('old', 'physical'),
        slot('kept', 'logical', { plugin: 'pgoutput', database: 'app' }),
        slot('changed', 'logical', { database: 'a', plugin: 'x' }),
        slot('behind', 'physical'),
      ],
      {
        slots: {
          changed: { type: 'logical', database: 'a', plugin: 'y' },
          behind: { type: 'physical', lsn: asLsn(200) },
          fresh: { type: 'physical' },
        },
        ignore: [{ plugin: 'pgoutput' }],
        dropUnknown: true,
      },
    );
    expect(plan).toMatchObject({
      drop: ['old', 'changed'],
      create: ['changed', 'fresh'],
      advance: ['behind'],
    });
    expect(
      planSlotChanges([slot('old', 'physical')], { slots: {}, ignore: [], dropUnknown: false }).drop,
    ).toEqual([]);
  });
});
