import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Dcs } from '@patroni/ha-core';
import { freePort, type ManagedProcess, makeTempDir, spawnManaged, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type EtcdApi } from './backends.js';
import { contextFor, memberData } from './test-helpers.js';

const run = promisify(execFile);

let dir: { path: string; remove(): Promise<void> };
let etcd: ManagedProcess;
let clientPort: number;
const file = (name: string) => join(dir.path, name);

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
async function makeCertificates(): Promise<void> {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir.path });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  await writeFile(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  await writeFile(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [
    ['server', '/CN=127.0.0.1'],
    ['client', '/CN=patroni'],
  ] as const) {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  }
}

beforeAll(async () => {
  dir = await makeTempDir('etcd-tls');
  await makeCertificates();
  clientPort = await freePort();
  const peer = `http://127.0.0.1:${await freePort()}`;
  const endpoint = `https://127.0.0.1:${clientPort}`;
  etcd = spawnManaged(
    'etcd',
    [
      '--name=tls',
      `--data-dir=${file('data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=tls=${peer}`,
      `--cert-file=${file('server.pem')}`,
      `--key-file=${file('server.key')}`,
      `--trusted-ca-file=${file('ca.pem')}`,
      '--client-cert-auth=true',
      '--enable-v2=true',
      '--log-level=warn',
    ],
    { logFile: file('etcd.log') },
  );
  const { request } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const tls = {
    ca: readFileSync(file('ca.pem')),
    cert: readFileSync(file('client.pem')),
    key: readFileSync(file('client.key')),
  };
  await waitUntil(
    'etcd with TLS',
    () =>
      new Promise<boolean>((resolve) => {
        const req = request(`${endpoint}/health`, tls, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.end();
      }),
    20_000,
  );
}, 60_000);
afterAll(async () => {
  await etcd?.stop();
  await dir?.remove();
});

describe.each<EtcdApi>(['etcd3', 'etcd'])('%s over TLS with a client certificate', (api) => {
  it('reads and writes with cacert/cert/key; without the client certificate it cannot', async () => {
    const factory = backends[api];
    if (!factory) throw new Error(`no ${api} backend`);
    const section = {
      host: `127.0.0.1:${clientPort}`,
      protocol: 'https',
      cacert: file('ca.pem'),
      cert: file('client.pem'),
      key: file('client.key'),
    };
    const dcs: Dcs = await factory(section, contextFor(`tls-${api}`, 'pg1'));
    try {
      expect(await dcs.acquireLeader()).toBe(true);
      expect(await dcs.touchMember(memberData('pg1', 5432, 'primary'))).toBe(true);
      const cluster = await dcs.loadCluster();
      expect(cluster.leader?.name).toBe('pg1');
      expect(cluster.members.map((m) => m.name)).toEqual(['pg1']);
    } finally {
      await dcs.close();
    }
    const { cert: _cert, key: _key, ...withoutClientCert } = section;
    const refused = await factory(
      withoutClientCert,
      contextFor(`tls-${api}`, 'pg2', { ttlMs: 10_000, loopWaitMs: 1_000, retryTimeoutMs: 1_500 }),
    );
    try {
      await expect(refused.loadCluster()).rejects.toMatchObject({ code: 'DCS_UNAVAILABLE' });
    } finally {
      await refused.close();
    }
  }, 30_000);
});
