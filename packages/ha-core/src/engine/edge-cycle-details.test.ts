/**
 * Engine edge cases: invariants, starting instances and long actions, scheduled restarts, member data,
 * /status, /history, small branches, nodes without REST or connection URLs.
 */
import { describe, expect, it } from 'vitest';
import { asLsn } from '../model/types.js';
import { runCycle } from './cycle.js';
import { InvariantError, invariant } from './invariant.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { cycleInput, dcsDown, NOW_MS } from './test-support/drive.js';
import { leaderMsg, leaderState, replicaMsg, two } from './test-support/edge-fixtures.js';
import { pgDown, pgPrimary, pgReplica, pgStarting } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const cases: DecisionCase[] = [
  // Starting instance and long actions
  {
    name: 'Postgres starting while paused: the cycle continues',
    given: { me: 'pg2', cluster: two().withConfig({ pause: true }), pg: pgStarting() },
    summary: replicaMsg.replace('no action', 'PAUSE: no action'),
  },
  {
    name: 'starting primary with a switchover request: the request wins',
    given: {
      me: 'pg1',
      cluster: two().withFailover({ leader: 'pg1', member: 'pg2' }),
      pg: pgStarting(),
      state: { ...leaderState, startingSinceMs: NOW_MS - 1000, startTimeoutMs: 60_000 },
    },
    summary: 'switchover: demoting myself',
  },
  {
    name: 'starting replica without the key: continue the cycle, not healthy enough to race',
    given: { me: 'pg2', cluster: aCluster().withReplica('pg2'), pg: pgStarting() },
    summary: 'following a different leader because i am not the healthiest node',
  },
  {
    name: 'action in progress on a paused node without the key',
    given: {
      me: 'pg2',
      cluster: two().withConfig({ pause: true }),
      action: {
        name: 'restart',
        work: { kind: 'restart', start: { role: 'replica', upstream: null, timeoutMs: 1 } },
        startedAtMs: NOW_MS,
      },
    },
    summary: 'PAUSE: restart in progress',
  },
  // Scheduled restarts, member data and /status
  {
    name: 'primary with delay scheduled restart due in 5 s, role primary, version filter passes',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      scheduledRestart: {
        atMs: NOW_MS + 5000,
        raw: { schedule: 'soon' },
        postmasterStartTime: '2024-01-01 00:00:00+00',
        role: 'primary',
        postgresVersionNum: 160000,
        restartPending: false,
        timeoutMs: 60_000,
      },
    },
    summary: 'restart initiated',
    includes: ['sleep 5000ms', 'action.start restart (primary <- none)'],
  },
  {
    name: 'scheduled restart requiring a pending restart that is not pending',
    given: {
      me: 'pg2',
      cluster: two(),
      scheduledRestart: {
        atMs: NOW_MS,
        raw: {},
        postmasterStartTime: null,
        role: null,
        postgresVersionNum: 150000,
        restartPending: true,
        timeoutMs: null,
      },
    },
    summary: replicaMsg,
    includes: ['log warn: restart conditions are not satisfied: restart_pending'],
  },
  {
    name: 'stale scheduled restart is dropped',
    given: {
      me: 'pg2',
      cluster: two(),
      scheduledRestart: {
        atMs: NOW_MS - 60_000,
        raw: {},
        postmasterStartTime: null,
        role: null,
        postgresVersionNum: null,
        restartPending: false,
        timeoutMs: null,
      },
    },
    summary: replicaMsg,
    includes: ['scheduled-restart.clear'],
    excludes: ['action.start'],
  },
  {
    name: 'a busy executor refuses a second action',
    given: {
      me: 'pg2',
      cluster: two(),
      respond: {
        'pg.configure-follow': 'restart-required',
        'action.start': { started: false, running: 'restart' },
      },
    },
    summary: replicaMsg,
    includes: [
      'log info: Failed to run changing primary_conninfo and restarting, restart is already in progress',
    ],
  },
  {
    name: 'member data carries pending restart, proxy url and position fields',
    given: {
      me: 'pg2',
      cluster: two(),
      pg: {
        ...pgReplica(),
        pendingRestart: true,
        query: { ...pgReplica().query!, receiverState: null, restoreCommand: 'cp' },
      },
      local: { proxyUrl: 'postgres://proxy:6432/postgres' },
    },
    summary: replicaMsg,
    verify: (run) => {
      const touch = run.effects.find((e) => e.kind === 'dcs.touch-member');
      expect(touch).toMatchObject({
        data: {
          pending_restart: true,
          proxy_url: 'postgres://proxy:6432/postgres',
          replication_state: 'in archive recovery',
          xlog_location: LEADER_LSN,
        },
      });
    },
  },
  {
    name: 'leader publishes permanent slot positions in /status',
    given: {
      me: 'pg1',
      cluster: two().withConfig({
        slots: {
          pg1: { type: 'physical' },
          keep: { type: 'physical' },
          cdc: { type: 'logical', database: 'd', plugin: 'p' },
        },
      }),
      pg: {
        ...pgPrimary(),
        query: {
          ...pgPrimary().query!,
          slots: [
            {
              name: 'keep',
              type: 'physical',
              database: null,
              plugin: null,
              restartLsn: asLsn(77),
              confirmedFlushLsn: null,
              catalogXmin: null,
            },
            {
              name: 'cdc',
              type: 'logical',
              database: 'd',
              plugin: 'p',
              restartLsn: null,
              confirmedFlushLsn: asLsn(66),
              catalogXmin: 1,
            },
            {
              name: 'other',
              type: 'logical',
              database: 'd',
              plugin: 'p',
              restartLsn: null,
              confirmedFlushLsn: asLsn(5),
              catalogXmin: 1,
            },
          ],
        },
      },
      state: leaderState,
    },
    summary: leaderMsg,
    includes: ['pg.sync-slots [cdc,keep,pg2]'],
    verify: (run) => {
      const renew = run.effects.find((e) => e.kind === 'dcs.renew-leader');
      expect(renew).toMatchObject({ status: { slots: { keep: 77, cdc: 66, pg1: LEADER_LSN } } });
    },
  },
];

describe('edge cases: cycle details', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });

  it('invariant throws a coded error', () => {
    expect(() => invariant(false, 'x')).toThrow(InvariantError);
    expect(() => invariant(true, 'x')).not.toThrow();
  });

  it('an invariant violation escapes the cycle (the agent crashes rather than guess)', () => {
    const generator = runCycle(cycleInput({ me: 'pg2', cluster: two() }));
    generator.next();
    expect(() => generator.throw(new InvariantError('boom'))).toThrow(InvariantError);
  });
});

describe('/history (dcs.md §3.8)', () => {
  const history = [
    { parentTimeline: 1, switchLsn: asLsn(100), reason: 'no recovery target specified' },
    {
      parentTimeline: 2,
      switchLsn: asLsn(200),
      reason: 'no recovery target specified',
      fileModifiedAt: '2024-07-02T09:00:01+00:00',
    },
  ];
  it.each<DecisionCase>([
    {
      name: 'primary on timeline 3 publishes its history with promoted_at and its name',
      given: {
        me: 'pg1',
        cluster: two(),
        pg: { ...pgPrimary({ timeline: 3 }), timelineHistory: history },
        state: leaderState,
      },
      summary: leaderMsg,
      includes: ['dcs.set-history'],
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'dcs.set-history')).toMatchObject({
          value:
            '[[1,100,"no recovery target specified"],[2,200,"no recovery target specified","2024-07-02T09:00:01+00:00","pg1"]]',
        }),
    },
    {
      name: 'history already current: no write',
      given: {
        me: 'pg1',
        cluster: two().withHistory([[2, 200, 'x', 't', 'pg1']]),
        pg: { ...pgPrimary({ timeline: 3 }), timelineHistory: history },
        state: leaderState,
      },
      summary: leaderMsg,
      excludes: ['dcs.set-history'],
    },
    {
      name: 'timeline 1 with a stale history: reset to []',
      given: { me: 'pg1', cluster: two().withHistory([[1, 5, 'x']]), pg: pgPrimary(), state: leaderState },
      summary: leaderMsg,
      includes: ['dcs.set-history'],
    },
    {
      name: 'max_timelines_history keeps the newest lines, 5-element lines carried over',
      given: {
        me: 'pg1',
        cluster: two()
          .withConfig({ max_timelines_history: 1 })
          .withHistory([[1, 100, 'old', 'then', 'pg0']]),
        pg: { ...pgPrimary({ timeline: 3 }), timelineHistory: history },
        state: leaderState,
      },
      summary: leaderMsg,
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'dcs.set-history')).toMatchObject({
          value: '[[2,200,"no recovery target specified","2024-07-02T09:00:01+00:00","pg1"]]',
        }),
    },
  ])('$name', (row) => {
    checkCase(row);
  });
});

describe('small branches', () => {
  it.each<DecisionCase>([
    {
      name: 'use_slots off: no primary_slot_name and no slot reconciliation',
      given: { me: 'pg2', cluster: two().withConfig({ postgresql: { use_slots: false } }) },
      summary: replicaMsg,
      excludes: ['pg.sync-slots'],
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'pg.configure-follow')).toMatchObject({
          upstream: { slotName: null },
        }),
    },
    {
      name: 'standby cluster restoring from archive only: the remote has no conn_url',
      given: {
        me: 'pg1',
        cluster: aCluster()
          .withLeader('pg1')
          .withConfig({ standby_cluster: { restore_command: 'cp %f %p' } }),
        pg: pgReplica(),
        state: { role: 'standby_leader', leaderExpiryMs: NOW_MS + 1 },
      },
      summary: 'no action. I am (pg1), the standby leader with the lock',
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'pg.configure-follow')).toMatchObject({
          upstream: { name: 'remote_member', connUrl: null, restoreCommand: 'cp %f %p' },
        }),
    },
    {
      name: 'a peer answering without timeline still counts by position',
      given: {
        me: 'pg2',
        cluster: aCluster().withFormerLeader('pg1').withReplica('pg2').withReplica('pg3'),
        peers: {
          pg1: null,
          pg3: { role: 'replica', timeline: 'x', xlog: { received_location: LEADER_LSN + 5 } },
        },
      },
      summary: 'following a different leader because i am not the healthiest node',
    },
    {
      name: 'a leader without conn_url cannot be rewound from',
      given: {
        me: 'pg2',
        cluster: aCluster().withLeaderKeyOnly('pg1').withReplica('pg2'),
        pg: pgDown(),
        rewindUsable: true,
        state: { rewind: 'need' },
      },
      summary: 'starting as a secondary',
    },
    {
      name: 'primary without a known timeline does not touch /history',
      given: {
        me: 'pg1',
        cluster: two().withHistory([[1, 5, 'x']]),
        pg: pgPrimary({ timeline: 0 }),
        state: leaderState,
      },
      summary: leaderMsg,
      excludes: ['dcs.set-history'],
    },
    {
      name: 'sync mode with a primary whose status query failed: nothing changes',
      given: {
        me: 'pg1',
        cluster: two().withConfig({ synchronous_mode: true }).withSync('pg1', []),
        pg: { ...pgPrimary(), query: null },
        state: leaderState,
      },
      summary: leaderMsg,
      excludes: ['pg.set-synchronous-standby-names', 'dcs.write-sync'],
    },
  ])('$name', (row) => {
    checkCase(row);
  });
});

describe('nodes without REST or connection URLs', () => {
  it.each<DecisionCase>([
    {
      name: 'member key without conn_url/api_url when they are not configured',
      given: { me: 'pg2', cluster: two(), local: { connUrl: null, apiUrl: null } },
      summary: replicaMsg,
      verify: (run) => {
        const touch = run.effects.find((e) => e.kind === 'dcs.touch-member');
        expect(touch && 'data' in touch ? Object.keys(touch.data) : []).not.toContain('api_url');
      },
    },
    {
      name: 'failsafe payload with empty URLs when not configured',
      given: {
        me: 'pg1',
        cluster: two().withConfig({ failsafe_mode: true }),
        pg: pgPrimary(),
        local: { connUrl: null, apiUrl: null },
        state: {
          ...leaderState,
          cluster: two().withFailsafe({ pg1: 'a', pg2: 'http://pg2:8008/patroni' }).build(),
        },
        respond: { 'dcs.load-cluster': dcsDown() },
      },
      summary: 'continue to run as a leader because failsafe mode is enabled and all members are accessible',
      verify: (run) =>
        expect(run.effects.find((e) => e.kind === 'peers.failsafe')).toMatchObject({
          payload: { conn_url: '', api_url: '' },
        }),
    },
  ])('$name', (row) => {
    checkCase(row);
  });
});
