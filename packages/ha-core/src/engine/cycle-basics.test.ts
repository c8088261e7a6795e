import { describe, expect, it } from 'vitest';
import { EffectFailure } from './effects.js';
import { aCluster, LEADER_LSN } from './test-support/cluster-builder.js';
import { dcsDown, NOW_MS } from './test-support/drive.js';
import { pgDown, pgPrimary, pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const threeNodes = () => aCluster().withLeader('pg1').withReplica('pg2').withReplica('pg3');
const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };

const cases: DecisionCase[] = [
  {
    name: 'healthy leader renews and stays',
    given: { me: 'pg1', cluster: threeNodes(), pg: pgPrimary(), state: leaderState },
    summary: 'no action. I am (pg1), the leader with the lock',
    actions: ['dcs.renew-leader', 'pg.sync-slots [pg2,pg3]'],
    verify: (run) => expect(run.outcome.state.leaderExpiryMs).toBe(NOW_MS + 30_000),
  },
  {
    name: 'healthy replica follows the leader',
    given: { me: 'pg2', cluster: threeNodes(), pg: pgReplica() },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    // [4.x] member_slots_ttl (default 1800 s) keeps a slot for every other member on replicas too.
    actions: ['pg.configure-follow pg1', 'pg.sync-slots [pg1,pg3]'],
  },
  {
    name: 'replica whose upstream changed restarts to follow it',
    given: { me: 'pg2', cluster: threeNodes(), respond: { 'pg.configure-follow': 'restart-required' } },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
    includes: [
      'pg.configure-follow pg1',
      'action.start changing primary_conninfo and restarting (replica <- pg1)',
    ],
  },
  {
    name: 'leader whose renewal returns false demotes at once',
    given: {
      me: 'pg1',
      cluster: threeNodes(),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.renew-leader': false },
    },
    summary: 'demoted self because failed to update leader lock in DCS',
    actions: [
      'dcs.renew-leader',
      'watchdog.disable',
      'pg.stop immediate',
      'dcs.load-cluster',
      'action.start starting after demotion (replica <- none)',
      'callback on_role_change replica',
    ],
    verify: (run) => {
      expect(run.outcome.state.leaderExpiryMs).toBe(0);
      expect(run.outcome.state.role).toBe('replica');
    },
  },
  {
    name: 'lock holder that is not primary yet and cannot renew does not promote',
    given: { me: 'pg1', cluster: threeNodes(), pg: pgReplica(), respond: { 'dcs.renew-leader': false } },
    summary: 'not promoting because failed to update leader lock in DCS',
    excludes: ['action.start'],
  },
  {
    name: 'paused primary keeps running when renewal fails',
    given: {
      me: 'pg1',
      cluster: threeNodes().withConfig({ pause: true }),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.renew-leader': false },
    },
    summary: 'PAUSE: continue to run as primary after failing to update leader lock in DCS',
    excludes: ['pg.stop'],
  },
  {
    name: 'primary without the lock demotes (someone else is leader)',
    given: { me: 'pg2', cluster: threeNodes(), pg: pgPrimary(), state: { role: 'primary' } },
    summary: 'demoting self because I do not have the lock and I was a leader',
    includes: ['pg.stop immediate', 'action.start starting after demotion (replica <- pg1)'],
    excludes: ['dcs.release-leader'],
  },
  {
    name: 'lock holder running as replica promotes',
    given: { me: 'pg1', cluster: threeNodes(), pg: pgReplica(), state: { role: 'replica' } },
    summary: 'promoted self to leader because I had the session lock',
    actions: ['dcs.renew-leader', 'action.start promote', 'pg.sync-slots [pg2,pg3]'],
    verify: (run) => expect(run.outcome.state.checkpointAfterPromote).toBe(false),
  },
  {
    name: 'promoted primary runs the post-promote checkpoint once',
    given: {
      me: 'pg1',
      cluster: threeNodes(),
      pg: pgPrimary(),
      state: { ...leaderState, checkpointAfterPromote: false },
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: ['dcs.renew-leader', 'pg.checkpoint'],
    verify: (run) => expect(run.outcome.state.checkpointAfterPromote).toBe(true),
  },
  {
    name: 'DCS unreachable on a replica: keep replicating, no member touch',
    given: { me: 'pg2', cluster: threeNodes(), respond: { 'dcs.load-cluster': dcsDown() } },
    summary: 'DCS is not accessible',
    actions: [],
    excludes: ['dcs.touch-member'],
    verify: (run) => expect(run.outcome.dcsFailed).toBe(true),
  },
  {
    name: 'DCS unreachable on a primary without failsafe: offline demotion',
    given: {
      me: 'pg1',
      cluster: threeNodes(),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.load-cluster': dcsDown() },
    },
    summary: 'demoted self because DCS is not accessible and I was a leader',
    actions: [
      'watchdog.disable',
      'pg.stop fast',
      'action.start starting after demotion (replica <- none)',
      'callback on_role_change replica',
    ],
    verify: (run) => expect(run.outcome.state.leaderExpiryMs).toBe(0),
  },
  {
    name: 'DCS error during renewal is not "lost the key": failsafe path, then offline demotion',
    given: {
      me: 'pg1',
      cluster: threeNodes(),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.renew-leader': dcsDown() },
    },
    summary: 'demoted self because DCS is not accessible and I was a leader',
    includes: ['dcs.renew-leader', 'pg.stop fast'],
    excludes: ['dcs.touch-member'],
  },
  {
    name: 'DCS unreachable with Postgres down',
    given: { me: 'pg2', cluster: threeNodes(), pg: pgDown(), respond: { 'dcs.load-cluster': dcsDown() } },
    summary: 'DCS is not accessible',
    actions: [],
  },
  {
    name: 'Postgres connection error while acting',
    given: {
      me: 'pg2',
      cluster: threeNodes(),
      respond: { 'pg.configure-follow': () => new EffectFailure('postgres', 'connection refused') },
    },
    summary: 'Error communicating with PostgreSQL. Will try again later',
  },
  {
    name: 'unexpected error is reported as a bug',
    given: {
      me: 'pg2',
      cluster: threeNodes(),
      respond: { 'pg.configure-follow': () => new EffectFailure('other', 'boom') },
    },
    summary: 'Unexpected exception raised, please report it as a BUG',
  },
  {
    name: 'missing member key is written before anything else',
    given: { me: 'pg4', cluster: threeNodes(), pg: pgReplica() },
    summary: 'no action. I am (pg4), a secondary, and following a leader (pg1)',
    includes: ['dcs.load-cluster', 'dcs.touch-member role=replica state=running', 'pg.configure-follow pg1'],
  },
  {
    name: 'leader repairs a missing /config and /initialize',
    given: {
      me: 'pg1',
      cluster: threeNodes().withoutConfig().withInitialize(''),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    includes: [
      "dcs.initialize overwrite '7000000000000000001'",
      'dcs.set-config',
      'dcs.load-cluster',
      'dcs.renew-leader',
    ],
  },
  {
    name: 'leader renews with its position in /status and failsafe map',
    given: {
      me: 'pg1',
      cluster: threeNodes().withConfig({ failsafe_mode: true }),
      pg: pgPrimary(),
      state: leaderState,
    },
    summary: 'no action. I am (pg1), the leader with the lock',
    verify: (run) => {
      const renew = run.effects.find((e) => e.kind === 'dcs.renew-leader');
      expect(renew).toMatchObject({
        status: { lastLsn: LEADER_LSN },
        failsafe: {
          pg1: 'http://pg1:8008/patroni',
          pg2: 'http://pg2:8008/patroni',
          pg3: 'http://pg3:8008/patroni',
        },
      });
    },
  },
];

describe('HA cycle basics', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
