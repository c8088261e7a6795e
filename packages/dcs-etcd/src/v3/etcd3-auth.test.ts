import { DcsUnavailableError } from '@patroni/ha-core';
import { type EtcdServer, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { realDiscoveryIo } from '../endpoints.js';
import { fastTiming, gatewayPost, memoryLogger } from '../test-helpers.js';
import { createEtcd3Kv } from './create-etcd3-kv.js';
import type { Etcd3Kv } from './etcd3-kv.js';

// An etcd of this file's own, with token authentication enabled.
let etcd: EtcdServer;
let endpoint: string;
let peer: string;
const open: Etcd3Kv[] = [];
const ROOT = { name: 'root', password: 'root-secret' };

async function rootToken(): Promise<string> {
  return String((await gatewayPost(endpoint, '/auth/authenticate', ROOT)).token);
}

beforeAll(async () => {
  etcd = await startEtcd({ enableV2: false });
  endpoint = etcd.endpoint;
  peer = etcd.peerUrl;
  await gatewayPost(endpoint, '/auth/user/add', ROOT);
  await gatewayPost(endpoint, '/auth/user/grant', { user: 'root', role: 'root' });
  await gatewayPost(endpoint, '/auth/enable', {});
}, 30_000);
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close().catch(() => undefined)));
  await etcd?.stop();
});

async function kvAs(credentials: { username?: string; password?: string }, scope = 'auth') {
  const logger = memoryLogger();
  const config = parseEtcdConfig('etcd3', { host: endpoint.replace('http://', ''), ...credentials });
  const kv = await createEtcd3Kv(config, { basePath: `/service/${scope}`, timing: fastTiming, logger });
  open.push(kv);
  return { kv, logger };
}

describe('Etcd3Kv with etcd token authentication', () => {
  it('authenticates once, then every call and the cluster watch carry the token', async () => {
    const { kv, logger } = await kvAs({ username: ROOT.name, password: ROOT.password });
    expect((await kv.write('members/pg1', '{}', { ephemeral: true })).ok).toBe(true);
    expect((await kv.readAll({ consistent: false })).nodes.map((n) => n.key)).toEqual(['members/pg1']);
    await waitUntil('the cluster watch is confirmed', () => kv.clusterWatch === 'ready', 5_000);
    const { kv: other } = await kvAs({ username: ROOT.name, password: ROOT.password });
    const woken = kv.watchKeySet('members/', 10_000);
    expect((await other.write('members/pg2', '{}', { ephemeral: true })).ok).toBe(true);
    expect(await woken).toBe(true);
    expect(kv.requests.snapshot().authenticate).toBe(1);
    expect(logger.lines).toContain('INFO: Trying to authenticate on Etcd...');
  });

  it('a token etcd no longer accepts is replaced once, and the call succeeds', async () => {
    const { kv, logger } = await kvAs({ username: ROOT.name, password: ROOT.password }, 'auth-renew');
    expect((await kv.write('config', '{"ttl":30}', {})).ok).toBe(true);
    // Turning authentication off and on again invalidates every token etcd handed out.
    await gatewayPost(endpoint, '/auth/disable', {}, await rootToken());
    await gatewayPost(endpoint, '/auth/enable', {});
    expect((await kv.write('config', '{"ttl":31}', {})).ok).toBe(true);
    expect(kv.requests.snapshot().authenticate).toBe(2);
    expect(logger.lines.some((line) => line.startsWith('ERROR: Invalid auth token'))).toBe(true);
    expect((await kv.readAll({ consistent: true })).nodes.map((n) => n.value)).toEqual(['{"ttl":31}']);
  });

  it('without credentials, or with a wrong password, calls fail with DcsUnavailableError', async () => {
    const { kv: anonymous, logger: anonymousLog } = await kvAs({});
    await expect(anonymous.readAll({ consistent: false })).rejects.toBeInstanceOf(DcsUnavailableError);
    expect(anonymousLog.lines).toContain(
      'ERROR: Username or password not set, authentication is not possible',
    );
    const { kv: wrong, logger: wrongLog } = await kvAs({ username: ROOT.name, password: 'wrong' });
    const started = Date.now();
    await expect(wrong.readAll({ consistent: false })).rejects.toThrow(/authentication failed/);
    // Not retried until retry_timeout: a wrong password does not get better.
    expect(Date.now() - started).toBeLessThan(fastTiming.retryTimeoutMs);
    expect(wrongLog.lines.some((line) => line.startsWith('ERROR: Etcd3 authentication failed'))).toBe(true);
  });
});

describe('realDiscoveryIo.peerMembers (SRV server records)', () => {
  it("reads a peer URL's /members over node:http: each member's client URLs", async () => {
    expect(await realDiscoveryIo.peerMembers(`${peer}/members`, 2_000)).toEqual([endpoint]);
    await expect(realDiscoveryIo.peerMembers('http://127.0.0.1:1/members', 2_000)).rejects.toThrow();
  });
});
