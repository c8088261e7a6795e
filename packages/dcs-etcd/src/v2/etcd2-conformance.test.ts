import { runDcsConformance } from '@patroni/ha-core/testing';
import { type EtcdServer, startEtcd } from '@patroni/testkit';
import { afterAll, beforeAll } from 'vitest';
import { etcdConformanceFixture } from '../conformance-fixture.js';

let etcd: EtcdServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

runDcsConformance('etcd (real etcd 3.4, v2 keys API)', async () =>
  etcdConformanceFixture('etcd', {
    hosts: [`127.0.0.1:${etcd.clientPort}`],
    pause: () => etcd.pause(),
    restart: () => etcd.restart(),
  }),
);
