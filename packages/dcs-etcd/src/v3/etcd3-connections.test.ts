import { createServer, type Server, Socket } from 'node:net';
import { type EtcdServer, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEtcdConfig } from '../config.js';
import { fastTiming, memoryLogger } from '../test-helpers.js';
import { createEtcd3Kv } from './create-etcd3-kv.js';

let etcd: EtcdServer;
let proxy: Server;
let accepted = 0;
let openNow = 0;

/** A loopback forwarder to etcd that counts the TCP connections the client opens. */
async function countingProxy(targetPort: number): Promise<Server> {
  const server = createServer((inbound) => {
    accepted++;
    openNow++;
    inbound.on('close', () => openNow--);
    const outbound = new Socket();
    outbound.connect(targetPort, '127.0.0.1');
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    for (const socket of [inbound, outbound]) socket.on('error', () => undefined);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  etcd = await startEtcd();
  proxy = await countingProxy(etcd.clientPort);
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await etcd?.stop();
});

describe('Etcd3Kv connections', () => {
  it('calls share one keep-alive connection across cycles; each watch stream has its own, closed with it', async () => {
    const address = proxy.address();
    if (address === null || typeof address === 'string') throw new Error('no proxy address');
    const config = parseEtcdConfig('etcd3', { host: `127.0.0.1:${address.port}`, use_proxies: true });
    const kv = await createEtcd3Kv(config, {
      basePath: '/service/connections',
      timing: fastTiming,
      logger: memoryLogger(),
    });
    try {
      const written = await kv.write('leader', 'pg1', { ephemeral: true });
      if (!written.ok) throw new Error('write failed');
      await kv.write('initialize', 'x', {});
      for (let cycle = 0; cycle < 6; cycle++) {
        await kv.refreshSession(true);
        await kv.readAll({ consistent: cycle % 2 === 0 });
        // Before the cluster watch is confirmed this opens (and closes) a watch stream of its own.
        await kv.watch('leader', written.version, 50);
        // A conditional write that succeeds (a failed one would drop the cluster watch as possibly stale).
        await kv.write('initialize', 'x', { condition: { kind: 'value', value: 'x' } });
      }
      const watches = kv.requests.snapshot().watch ?? 0;
      expect(watches).toBeGreaterThanOrEqual(1); // the cluster watch
      expect(kv.clusterWatch).toBe('ready');
      // Every call (version, grant, keep-alives, reads, txns) on one socket; one more per watch stream.
      expect(accepted).toBe(1 + watches);
      // Streams closed by a timeout released their sockets: left are the calls' and the cluster watch's.
      await waitUntil('closed watch streams release their sockets', () => openNow === 2, 5_000);
    } finally {
      await kv.close();
    }
  });
});
