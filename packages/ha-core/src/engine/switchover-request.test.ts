import { describe, expect, it } from 'vitest';
import {
  checkSwitchoverCandidates,
  checkSwitchoverRequest,
  type SwitchoverRequestInput,
} from './switchover-request.js';
import { aCluster } from './test-support/cluster-builder.js';

const cluster = aCluster().withLeader('pg1').withReplica('pg2').withReplica('pg3').build();
const syncCluster = aCluster()
  .withLeader('pg1')
  .withReplica('pg2')
  .withReplica('pg3')
  .withSync('pg1', ['pg2'])
  .build();
const config = { paused: false, synchronousMode: 'off' as const, standbyCluster: null };
const req = (r: Partial<SwitchoverRequestInput>): SwitchoverRequestInput => ({
  kind: 'switchover',
  leader: null,
  candidate: null,
  scheduled: false,
  ...r,
});

describe('checkSwitchoverRequest (rest-api.md §14.1)', () => {
  it.each([
    [
      'failover without candidate',
      req({ kind: 'failover' }),
      config,
      400,
      'Failover could be performed only to a specific candidate',
    ],
    [
      'switchover without leader',
      req({ candidate: 'pg2' }),
      config,
      400,
      'Switchover could be performed only from a specific leader',
    ],
    [
      'scheduled failover',
      req({ kind: 'failover', candidate: 'pg2', scheduled: true }),
      config,
      400,
      "Failover can't be scheduled",
    ],
    [
      'scheduled in pause',
      req({ leader: 'pg1', candidate: 'pg2', scheduled: true }),
      { ...config, paused: true },
      400,
      "Can't schedule switchover in the paused state",
    ],
    [
      'paused without candidate',
      req({ leader: 'pg1' }),
      { ...config, paused: true },
      400,
      'Switchover is possible only to a specific candidate in a paused state',
    ],
    [
      'same node',
      req({ leader: 'pg1', candidate: 'pg1' }),
      config,
      400,
      'Switchover target and source are the same',
    ],
    ['wrong leader', req({ leader: 'pg2', candidate: 'pg3' }), config, 412, 'leader name does not match'],
    ['unknown candidate', req({ leader: 'pg1', candidate: 'pg9' }), config, 412, 'candidate does not exists'],
  ] as const)('%s', (_name, request, cfg, status, message) => {
    expect(checkSwitchoverRequest(request, cluster, cfg)).toEqual({ ok: false, status, message });
  });

  it('sync mode: switchover candidate must be in /sync', () => {
    const result = checkSwitchoverRequest(req({ leader: 'pg1', candidate: 'pg3' }), syncCluster, {
      ...config,
      synchronousMode: 'on',
    });
    expect(result).toEqual({
      ok: false,
      status: 412,
      message: 'candidate name does not match with sync_standby',
    });
  });

  it('sync mode without candidate polls the sync standbys', () => {
    const result = checkSwitchoverRequest(req({ leader: 'pg1' }), syncCluster, {
      ...config,
      synchronousMode: 'on',
    });
    expect(result).toMatchObject({ ok: true, pollTargets: [{ name: 'pg2' }] });
    const none = checkSwitchoverRequest(req({ leader: 'pg1' }), cluster, {
      ...config,
      synchronousMode: 'on',
    });
    expect(none).toEqual({
      ok: false,
      status: 412,
      message: 'switchover is not possible: can not find sync_standby',
    });
  });

  it('a failover naming a leader becomes a switchover', () => {
    const result = checkSwitchoverRequest(
      req({ kind: 'failover', leader: 'pg1', candidate: 'pg2' }),
      cluster,
      config,
    );
    expect(result).toMatchObject({
      ok: true,
      kind: 'switchover',
      pollTargets: [{ name: 'pg2', apiUrl: 'http://pg2:8008/patroni' }],
    });
  });

  it('cluster with only the leader', () => {
    const lonely = aCluster().withLeader('pg1').build();
    expect(checkSwitchoverRequest(req({ leader: 'pg1' }), lonely, config)).toEqual({
      ok: false,
      status: 412,
      message: 'switchover is not possible: cluster does not have members except leader',
    });
  });

  it('scheduled requests skip the feasibility checks', () => {
    const result = checkSwitchoverRequest(
      req({ leader: 'pg1', candidate: 'pg9', scheduled: true }),
      cluster,
      config,
    );
    expect(result).toMatchObject({ ok: true, pollTargets: [] });
  });

  it('needs one good candidate among the polled peers', () => {
    const targets = [
      { name: 'pg2', apiUrl: 'x' },
      { name: 'pg3', apiUrl: 'y' },
    ];
    expect(
      checkSwitchoverCandidates('failover', targets, [
        null,
        { role: 'replica', tags: { nofailover: true }, xlog: {} },
      ]),
    ).toEqual({
      ok: false,
      status: 412,
      message: 'failover is not possible: no good candidates have been found',
    });
    expect(checkSwitchoverCandidates('switchover', targets, [null, { role: 'replica', xlog: {} }])).toEqual({
      ok: true,
    });
  });
});

describe('checkSwitchoverRequest, failover wording and odd members', () => {
  it('failover to a member without api_url: nothing to poll', () => {
    const noApi = aCluster().withLeader('pg1').withReplica('pg2', { apiUrl: null }).build();
    expect(checkSwitchoverRequest(req({ kind: 'failover', candidate: 'pg2' }), noApi, config)).toMatchObject({
      ok: true,
      kind: 'failover',
      pollTargets: [],
    });
  });

  it('failover in sync mode may name an async node; without leader the message says Failover', () => {
    const result = checkSwitchoverRequest(req({ kind: 'failover', candidate: 'pg3' }), syncCluster, {
      ...config,
      synchronousMode: 'on',
    });
    expect(result).toMatchObject({ ok: true, pollTargets: [{ name: 'pg3' }] });
    expect(checkSwitchoverCandidates('failover', [{ name: 'pg3', apiUrl: 'z' }], [])).toMatchObject({
      ok: false,
    });
  });
});
