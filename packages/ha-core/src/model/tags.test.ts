import { describe, expect, it } from 'vitest';
import { parseTags, publishedTags, tagConflictWarnings } from './tags.js';

describe('parseTags', () => {
  it.each([
    ['no tags', undefined, { nofailover: false, failoverPriority: 1, nosync: false, syncPriority: 1 }],
    ['nofailover true', { nofailover: true }, { nofailover: true, failoverPriority: 0 }],
    [
      "nofailover 'true' (YAML/env string)",
      { nofailover: 'true' },
      { nofailover: true, failoverPriority: 0 },
    ],
    ["nofailover 'false' string", { nofailover: 'false' }, { nofailover: false, failoverPriority: 1 }],
    ["failover_priority '2'", { failover_priority: '2' }, { nofailover: false, failoverPriority: 2 }],
    [
      'failover_priority 0 means nofailover',
      { failover_priority: 0 },
      { nofailover: true, failoverPriority: 0 },
    ],
    [
      'nofailover wins over priority',
      { nofailover: true, failover_priority: 1 },
      { nofailover: true, failoverPriority: 0 },
    ],
    [
      'nofailover false wins over 0',
      { nofailover: false, failover_priority: 0 },
      { nofailover: false, failoverPriority: 0 },
    ],
    [
      'nosync wins over sync_priority',
      { nosync: 'true', sync_priority: 3 },
      { nosync: true, syncPriority: 0 },
    ],
    ['sync_priority 0 means nosync', { sync_priority: '0' }, { nosync: true, syncPriority: 0 }],
    [
      'clonefrom/noloadbalance strings',
      { clonefrom: 'yes', noloadbalance: 'on' },
      { clonefrom: true, noloadbalance: true },
    ],
    ['replicatefrom', { replicatefrom: 'pg-1' }, { replicatefrom: 'pg-1' }],
    ['nostream', { nostream: 'True' }, { nostream: true }],
    [
      'garbage priority falls back to 1',
      { failover_priority: 'high' },
      { nofailover: false, failoverPriority: 1 },
    ],
    ['not an object', 'x', { nofailover: false, clonefrom: false }],
  ])('%s', (_name, raw, expected) => {
    expect(parseTags(raw)).toMatchObject(expected);
  });
});

describe('tagConflictWarnings', () => {
  it.each([
    [
      { nofailover: true, failover_priority: '1' },
      [
        'Conflicting configuration between nofailover: True and failover_priority: 1. Defaulting to nofailover: True',
      ],
    ],
    [
      { nofailover: false, failover_priority: '0' },
      [
        'Conflicting configuration between nofailover: False and failover_priority: 0. Defaulting to nofailover: False',
      ],
    ],
    [
      { nosync: 'true', sync_priority: 2 },
      ['Conflicting configuration between nosync: True and sync_priority: 2. Defaulting to nosync: True'],
    ],
    [{ nofailover: true, failover_priority: 0 }, []],
    [{ nofailover: false, failover_priority: 3 }, []],
    [{ nofailover: true }, []],
    [{ failover_priority: 0 }, []],
  ])('%j', (raw, warnings) => {
    expect(tagConflictWarnings(raw)).toEqual(warnings);
  });
});

describe('publishedTags', () => {
  it('drops false boolean tags, keeps nofailover when failover_priority is present and custom tags', () => {
    expect(
      publishedTags({
        nofailover: false,
        failover_priority: 2,
        nosync: false,
        clonefrom: true,
        zone: 'a',
        x: false,
      }),
    ).toEqual({ nofailover: false, failover_priority: 2, clonefrom: true, zone: 'a', x: false });
  });
});
