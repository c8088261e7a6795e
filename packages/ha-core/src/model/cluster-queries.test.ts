import { describe, expect, it } from 'vitest';
import type { KvNode } from '../dcs/kv.js';
import {
  cloneSourceCandidates,
  failoverPresent,
  getMember,
  minPatroniVersion,
  syncMatches,
} from './cluster-queries.js';
import { parseCluster } from './parse-cluster.js';

const node = (key: string, value: unknown): KvNode => ({
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  version: '1',
  session: null,
});
const member = (name: string, data: Record<string, unknown>) => node(`members/${name}`, data);

describe('cluster queries', () => {
  const cluster = parseCluster({
    nodes: [
      node('leader', 'pg1'),
      member('pg1', {
        state: 'running',
        conn_url: 'postgres://1/x',
        tags: { clonefrom: true },
        version: '4.1.0',
      }),
      member('pg2', {
        state: 'running',
        conn_url: 'postgres://2/x',
        tags: { clonefrom: 'true' },
        version: '3.0.2',
      }),
      member('pg3', { state: 'running', conn_url: 'postgres://3/x', tags: { clonefrom: true } }),
      member('pg4', { state: 'stopped', conn_url: 'postgres://4/x', tags: { clonefrom: true } }),
      member('pg5', { state: 'running', tags: { clonefrom: true }, version: 'x' }),
      member('pg6', { state: 'running', conn_url: 'postgres://6/x' }),
      node('sync', '{"leader":"PG1","sync_standby":"Pg2,pg3"}'),
    ],
  });

  it('getMember with and without leader fallback', () => {
    expect(getMember(cluster, 'pg2')?.name).toBe('pg2');
    expect(getMember(cluster, 'nope')).toBeNull();
    expect(getMember(cluster, 'nope', true)?.name).toBe('pg1');
  });

  it('minPatroniVersion ignores unparseable versions', () => {
    expect(minPatroniVersion(cluster)).toEqual([3, 0, 2]);
    expect(minPatroniVersion(parseCluster({ nodes: [] }))).toBeNull();
  });

  it('cloneSourceCandidates: running clonefrom members with conn_url, not excluded, not the leader', () => {
    expect(cloneSourceCandidates(cluster, 'pg3').map((m) => m.name)).toEqual(['pg2']);
  });

  it.each([
    ['pg2', false, true],
    ['PG3', false, true],
    ['pg1', false, false],
    ['pg1', true, true],
    ['pg6', true, false],
    ['', true, false],
  ])('syncMatches(%s, checkLeader=%s) = %s', (name, checkLeader, expected) => {
    expect(syncMatches(cluster.sync, name, checkLeader)).toBe(expected);
  });

  it.each([
    [null, false],
    [{ version: '1', leader: null, candidate: null, scheduledAt: null, scheduledAtMs: null }, false],
    [{ version: '1', leader: 'a', candidate: null, scheduledAt: null, scheduledAtMs: null }, true],
    [{ version: '1', leader: null, candidate: 'b', scheduledAt: null, scheduledAtMs: null }, true],
  ])('failoverPresent(%j) = %s', (failover, expected) => {
    expect(failoverPresent(failover)).toBe(expected);
  });
});
