/** Engine edge cases: watchdog, resumed primary and failsafe details, DCS errors. */
import { describe, expect, it } from 'vitest';
import { EffectFailure } from './effects.js';
import { aCluster } from './test-support/cluster-builder.js';
import { dcsDown, NOW_MS } from './test-support/drive.js';
import { leaderMsg, leaderState, replicaMsg, two } from './test-support/edge-fixtures.js';
import { pgPrimary, pgReplica } from './test-support/postgres-builder.js';
import { checkCase, type DecisionCase } from './test-support/table.js';

const cases: DecisionCase[] = [
  // Watchdog
  {
    name: 'primary with the key whose watchdog cannot be activated (required): demote',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Demoting self because watchdog could not be activated',
  },
  {
    name: 'lock holder not yet primary, watchdog required and failing: no promotion',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgReplica(),
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Not promoting self because watchdog could not be activated',
    includes: ['dcs.release-leader'],
  },
  {
    name: 'automatic watchdog that fails does not block; an active one gets keepalives',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: { ...leaderState, watchdogActive: true },
      local: { watchdogMode: 'automatic' },
    },
    summary: leaderMsg,
    // The keepalive rides on the renewal, right after the lease (sim seed 281: /status and /failsafe writes
    // on a slow DCS delayed it past safety_margin).
    includes: ['dcs.renew-leader +keepalive'],
    excludes: ['watchdog.keepalive'],
  },
  {
    name: 'no active watchdog: a plain renewal',
    given: { me: 'pg1', cluster: two(), pg: pgPrimary(), state: leaderState },
    summary: leaderMsg,
    includes: ['dcs.renew-leader'],
    excludes: ['dcs.renew-leader +keepalive', 'watchdog.keepalive'],
  },
  {
    name: 'paused: an active watchdog is disabled',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ pause: true }),
      pg: pgPrimary(),
      state: { ...leaderState, watchdogActive: true },
    },
    summary: `PAUSE: ${leaderMsg}`,
    includes: ['watchdog.disable'],
  },
  {
    // Sim seed 923: the agent hung between the renewal and §6.4's activation; the key expired while the
    // primary kept accepting writes with no watchdog to reset it.
    name: 'running primary with the watchdog off (after a pause): arm it before renewing',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: { ...leaderState, wasPaused: true },
      local: { watchdogMode: 'automatic' },
    },
    summary: leaderMsg,
    includes: ['watchdog.activate', 'dcs.renew-leader +keepalive'],
    verify: (run) => expect(run.lines.filter((l) => l === 'watchdog.activate')).toHaveLength(1),
  },
  {
    name: 'required watchdog failing before the renewal: one attempt, then demote',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      local: { watchdogMode: 'required' },
      respond: { 'watchdog.activate': false },
    },
    summary: 'Demoting self because watchdog could not be activated',
    includes: ['watchdog.activate', 'dcs.renew-leader'],
    verify: (run) => expect(run.lines.filter((l) => l === 'watchdog.activate')).toHaveLength(1),
  },
  // Resume and failsafe details
  {
    name: 'resumed primary re-runs the post-promote checkpoint',
    given: { me: 'pg1', cluster: two(), pg: pgPrimary(), state: { ...leaderState, wasPaused: true } },
    summary: leaderMsg,
    includes: ['pg.checkpoint'],
  },
  {
    name: 'failsafe: alone in /failsafe is enough',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ failsafe_mode: true }),
      pg: pgPrimary(),
      state: {
        ...leaderState,
        watchdogActive: true,
        cluster: two()
          .withConfig({ failsafe_mode: true })
          .withFailsafe({ pg1: 'http://pg1:8008/patroni' })
          .build(),
      },
      respond: { 'dcs.load-cluster': dcsDown() },
      local: { watchdogMode: 'automatic' },
    },
    summary: 'continue to run as a leader because failsafe mode is enabled and all members are accessible',
    includes: ['watchdog.keepalive'],
    excludes: ['peers.failsafe'],
  },
  {
    name: 'failsafe heartbeat older than ttl is ignored: race',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg2').withConfig({ failsafe_mode: true }),
      reloaded: aCluster().withLeader('pg2'),
      failsafeReceived: {
        payload: { name: 'pg1', conn_url: 'c', api_url: 'a', slots: { s: 1 } },
        receivedAtMs: NOW_MS - 60_000,
      },
    },
    summary: 'promoted self to leader by acquiring session lock',
  },
  {
    name: 'failsafe heartbeat with slots: followed as leader',
    given: {
      me: 'pg2',
      cluster: aCluster().withReplica('pg2').withConfig({ failsafe_mode: true }),
      failsafeReceived: {
        payload: { name: 'pg1', conn_url: 'c', api_url: 'a', slots: { s: 1 } },
        receivedAtMs: NOW_MS - 1000,
      },
    },
    summary: 'no action. I am (pg2), a secondary, and following a leader (pg1)',
  },
  // DCS errors
  {
    name: 'DCS error while paused',
    given: {
      me: 'pg1',
      cluster: two().withConfig({ pause: true }),
      pg: pgPrimary(),
      respond: { 'dcs.load-cluster': dcsDown() },
    },
    summary: 'PAUSE: DCS is not accessible',
  },
  {
    name: 'DCS error inside the DCS error handling still ends the cycle',
    given: {
      me: 'pg1',
      cluster: two(),
      pg: pgPrimary(),
      state: leaderState,
      respond: { 'dcs.load-cluster': dcsDown(), 'pg.stop': () => new EffectFailure('dcs-unavailable', 'x') },
    },
    summary: 'DCS is not accessible',
  },
  {
    name: 'member touch failing with a DCS error is logged, not fatal',
    given: { me: 'pg2', cluster: two(), respond: { 'dcs.touch-member': dcsDown() } },
    summary: replicaMsg,
    includes: ['log error: Failed to update my member key: etcd is not reachable'],
  },
];

describe('edge cases: watchdog, failsafe and DCS errors', () => {
  it.each(cases)('$name', (row) => {
    checkCase(row);
  });
});
