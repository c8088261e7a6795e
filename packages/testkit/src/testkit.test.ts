import { describe, expect, it } from 'vitest';
import { startEtcd } from './etcd.js';
import { freePort } from './ports.js';
import { fourLetterWord, startZooKeeper } from './zookeeper.js';

describe('testkit servers', () => {
  it('free ports differ and are usable', async () => {
    const a = await freePort();
    const b = await freePort();
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });

  it('starts, restarts and stops a real etcd', async () => {
    const etcd = await startEtcd();
    try {
      const put = await fetch(`${etcd.endpoint}/v2/keys/probe`, {
        method: 'PUT',
        body: 'value=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(put.ok).toBe(true);
      await etcd.restart();
      const got = (await (await fetch(`${etcd.endpoint}/v2/keys/probe`)).json()) as {
        node: { value: string };
      };
      expect(got.node.value).toBe('1');
    } finally {
      await etcd.stop();
    }
    expect(etcd.process.isRunning()).toBe(false);
  });

  it('starts and stops a real ZooKeeper', async () => {
    const zk = await startZooKeeper();
    try {
      expect(await fourLetterWord(zk.port, 'ruok')).toBe('imok');
    } finally {
      await zk.stop();
    }
  }, 60_000);
});
