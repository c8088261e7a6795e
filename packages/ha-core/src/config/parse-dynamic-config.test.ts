import { describe, expect, it } from 'vitest';
import { defaultDynamicConfig, parseDynamicConfig } from './parse-dynamic-config.js';

const parse = (raw: unknown) => {
  const result = parseDynamicConfig(raw);
  if (!result.ok) throw new Error(result.error);
  return result;
};

describe('parseDynamicConfig defaults', () => {
  it('an empty document gives Patroni defaults', () => {
    expect(parse({}).config).toMatchObject({
      ttlMs: 30_000,
      loopWaitMs: 10_000,
      retryTimeoutMs: 10_000,
      maximumLagOnFailoverBytes: 1_048_576,
      maximumLagOnSyncnodeBytes: -1,
      maxTimelinesHistory: 0,
      primaryStartTimeoutMs: 300_000,
      primaryStopTimeoutMs: 0,
      synchronousMode: 'off',
      synchronousModeStrict: false,
      synchronousNodeCount: 1,
      failsafeMode: false,
      checkTimeline: false,
      paused: false,
      memberSlotsTtlMs: 1_800_000,
      standbyCluster: null,
      permanentSlots: {},
      ignoreSlots: [],
      postgresql: { useSlots: true, usePgRewind: false, parameters: {}, pgHba: null, pgIdent: null },
    });
  });

  it('is frozen', () => {
    expect(
      Object.isFrozen(parse({ postgresql: { parameters: { a: 1 } } }).config.postgresql.parameters),
    ).toBe(true);
  });
});

describe('timing rule (config.md §3.2)', () => {
  it.each([
    ['defaults are fine', { ttl: 30, loop_wait: 10, retry_timeout: 10 }, [30, 10, 10], []],
    ['strings that are integers', { ttl: '40', loop_wait: '5', retry_timeout: '10' }, [40, 5, 10], []],
    [
      'minimums',
      { ttl: 5, loop_wait: 0, retry_timeout: 1 },
      [20, 1, 3],
      [
        "loop_wait=0 can't be smaller than 1, adjusting...",
        "retry_timeout=1 can't be smaller than 3, adjusting...",
        "ttl=5 can't be smaller than 20, adjusting...",
      ],
    ],
    [
      'loop_wait reduced',
      { ttl: 30, loop_wait: 15, retry_timeout: 10 },
      [30, 10, 10],
      [
        'Violated the rule "loop_wait + 2*retry_timeout <= ttl", where ttl=30 and retry_timeout=10. Adjusting loop_wait from 15 to 10',
      ],
    ],
    [
      'retry_timeout reduced',
      { ttl: 20, loop_wait: 10, retry_timeout: 10 },
      [20, 1, 9],
      [
        'Violated the rule "loop_wait + 2*retry_timeout <= ttl", where ttl=20. Adjusting loop_wait from 10 to 1 and retry_timeout from 10 to 9',
      ],
    ],
  ])('%s', (_name, raw, [ttl, loopWait, retryTimeout], warnings) => {
    const result = parse(raw);
    expect([
      result.config.ttlMs / 1000,
      result.config.loopWaitMs / 1000,
      result.config.retryTimeoutMs / 1000,
    ]).toEqual([ttl, loopWait, retryTimeout]);
    expect(result.warnings).toEqual(warnings);
    expect(result.config.raw).toMatchObject({ ttl, loop_wait: loopWait, retry_timeout: retryTimeout });
  });

  it.each([
    [{ ttl: 'thirty' }],
    [{ loop_wait: '10s' }],
    [{ retry_timeout: [] }],
    [{ ttl: '3.5' }],
    ['not a mapping'],
    [[1, 2]],
  ])('%j rejects the whole document and keeps the previous config', (raw) => {
    const previous = parse({ ttl: 60 }).config;
    const result = parseDynamicConfig(raw, previous);
    expect(result.ok).toBe(false);
    expect(result.config).toBe(previous);
    expect(parseDynamicConfig(raw).config).toBe(defaultDynamicConfig());
  });
});

describe('values', () => {
  it.each([
    [
      'bool-ish strings',
      { failsafe_mode: 'on', pause: 'yes', check_timeline: 'TRUE' },
      { failsafeMode: true, paused: true, checkTimeline: true },
    ],
    ['bool-ish off', { failsafe_mode: 'off', pause: 0 }, { failsafeMode: false, paused: false }],
    ['synchronous_mode true', { synchronous_mode: true }, { synchronousMode: 'on' }],
    ['synchronous_mode "on"', { synchronous_mode: 'on' }, { synchronousMode: 'on' }],
    ['synchronous_mode quorum', { synchronous_mode: 'Quorum' }, { synchronousMode: 'quorum' }],
    ['synchronous_mode garbage', { synchronous_mode: 'maybe' }, { synchronousMode: 'off' }],
    ['legacy master_start_timeout', { master_start_timeout: 10 }, { primaryStartTimeoutMs: 10_000 }],
    [
      'primary_start_timeout wins',
      { master_start_timeout: 10, primary_start_timeout: 20 },
      { primaryStartTimeoutMs: 20_000 },
    ],
    ['legacy master_stop_timeout', { master_stop_timeout: 5 }, { primaryStopTimeoutMs: 5_000 }],
    ['member_slots_ttl with unit', { member_slots_ttl: '1h' }, { memberSlotsTtlMs: 3_600_000 }],
    ['member_slots_ttl 0', { member_slots_ttl: 0 }, { memberSlotsTtlMs: 0 }],
    ['lag as string', { maximum_lag_on_failover: '2048' }, { maximumLagOnFailoverBytes: 2048 }],
    ['synchronous_node_count', { synchronous_node_count: '2' }, { synchronousNodeCount: 2 }],
  ])('%s', (_name, raw, expected) => {
    expect(parse(raw).config).toMatchObject(expected);
  });

  it('a bad optional value falls back to its default with a warning', () => {
    const result = parse({ maximum_lag_on_failover: 'lots', failsafe_mode: 'perhaps' });
    expect(result.config).toMatchObject({ maximumLagOnFailoverBytes: 1_048_576, failsafeMode: false });
    expect(result.warnings).toEqual([
      'maximum_lag_on_failover="lots" is not an integer; using 1048576',
      'failsafe_mode="perhaps" is not a boolean; using false',
    ]);
  });
});

describe('standby_cluster', () => {
  it.each([
    [
      { host: 'h', port: 5433 },
      { host: 'h', port: 5433, primarySlotName: null, createReplicaMethods: [] },
    ],
    [{ port: '5433' }, { host: null, port: 5433 }],
    [
      { restore_command: 'cp x y', primary_slot_name: 's' },
      { restoreCommand: 'cp x y', primarySlotName: 's' },
    ],
    [{ primary_slot_name: 's' }, null],
    [{}, null],
    ['x', null],
  ])('%j', (section, expected) => {
    const config = parse({ standby_cluster: section }).config;
    if (expected === null) expect(config.standbyCluster).toBeNull();
    else expect(config.standbyCluster).toMatchObject(expected);
  });
});

describe('slots', () => {
  it('reads the first non-empty of permanent_replication_slots, permanent_slots, slots', () => {
    expect(
      Object.keys(parse({ slots: { a: null }, permanent_slots: { b: null } }).config.permanentSlots),
    ).toEqual(['b']);
    expect(
      Object.keys(
        parse({ slots: { a: null }, permanent_slots: {}, permanent_replication_slots: { c: null } }).config
          .permanentSlots,
      ),
    ).toEqual(['c']);
    expect(Object.keys(parse({ slots: { a: null }, permanent_slots: {} }).config.permanentSlots)).toEqual([
      'a',
    ]);
  });

  it('types slots and skips invalid names and values with a warning', () => {
    const result = parse({
      slots: {
        phys: null,
        phys2: { type: 'physical', cluster_type: 'standby' },
        logi: { database: 'db', plugin: 'pgoutput' },
        'Bad-Name': null,
        half: { type: 'logical', database: 'db' },
        weird: 5,
      },
    });
    expect(result.config.permanentSlots).toEqual({
      phys: { type: 'physical' },
      phys2: { type: 'physical', clusterType: 'standby' },
      logi: { type: 'logical', database: 'db', plugin: 'pgoutput' },
    });
    expect(result.warnings).toEqual([
      "Invalid permanent replication slot name 'Bad-Name': slot name may only contain lower case letters, numbers, and the underscore chars",
      `Bad value for slot 'half' in permanent_slots: {"type":"logical","database":"db"}`,
      "Bad value for slot 'weird' in permanent_slots: 5",
    ]);
  });

  it('ignore_slots', () => {
    const result = parse({
      ignore_slots: [{ name: 'a', type: 'physical', extra: 1 }, 'x', { plugin: 'wal2json' }],
    });
    expect(result.config.ignoreSlots).toEqual([{ name: 'a', type: 'physical' }, { plugin: 'wal2json' }]);
    expect(result.warnings).toHaveLength(1);
  });
});

describe('postgresql section', () => {
  it('parses known keys and keeps others, dropping local-only ones', () => {
    const config = parse({
      postgresql: {
        use_pg_rewind: 'true',
        use_slots: false,
        parameters: { wal_level: 'replica', max_connections: 100, hot_standby: true },
        pg_hba: ['host all all 0.0.0.0/0 md5'],
        recovery_conf: { restore_command: 'x' },
        data_dir: '/should/not/apply',
        pg_ctl_timeout: 60,
      },
    }).config.postgresql;
    expect(config).toEqual({
      useSlots: false,
      usePgRewind: true,
      parameters: { wal_level: 'replica', max_connections: 100, hot_standby: true },
      pgHba: ['host all all 0.0.0.0/0 md5'],
      pgIdent: null,
      recoveryConf: { restore_command: 'x' },
      other: { pg_ctl_timeout: 60 },
    });
  });
});
