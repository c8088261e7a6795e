import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type EtcdServer, startEtcd } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPatronictl } from '../patronictl-cli.js';
import { referenceKeys, scriptedPrompter } from './harness.test.util.js';

const run = promisify(execFile);
let etcd: EtcdServer;

async function etcdctl(...args: string[]): Promise<string> {
  const { stdout } = await run('etcdctl', [`--endpoints=${etcd.endpoint}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  return stdout;
}

async function patronictl(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runPatronictl(
    ['-d', `etcd3://127.0.0.1:${etcd.clientPort}`, ...argv],
    { write: (s: string) => (out += s) },
    { write: (s: string) => (err += s) },
    { env: { HOME: '/nonexistent' }, prompter: scriptedPrompter([]) },
  );
  return { code, out, err };
}

describe('patronictl against a real etcd through @patroni/dcs-etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
    for (const [key, value] of referenceKeys()) await etcdctl('put', `/service/bench/${key}`, value);
  }, 60_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it('list reads what Python Patroni 3.0.2 wrote', async () => {
    const result = await patronictl(['list', 'bench']);
    expect(result.err).toBe('');
    expect(result.out.split('\n').slice(0, 4)).toEqual([
      '+ Cluster: bench (7712418725868607391) --------+----+-------------+-----+------------+-----+',
      '| Member | Host            | Role    | State   | TL | Receive LSN | Lag | Replay LSN | Lag |',
      '+--------+-----------------+---------+---------+----+-------------+-----+------------+-----+',
      '| node1  | 127.0.0.1:15432 | Replica | running |  2 |     unknown |     |  0/402A5A8 |   0 |',
    ]);
  });

  it('edit-config writes compact JSON to /service/bench/config', async () => {
    const result = await patronictl(['edit-config', 'bench', '-q', '-s', 'ttl=40', '--force']);
    expect(result).toMatchObject({ code: 0, out: 'Configuration changed\n' });
    const stored = await etcdctl('get', '--print-value-only', '/service/bench/config');
    expect(JSON.parse(stored)).toMatchObject({ ttl: 40, loop_wait: 10 });
    expect(stored.trim()).not.toContain(' ');
  });

  it('history and show-config', async () => {
    expect((await patronictl(['history', 'bench'])).out).toContain(
      '|  1 | 67280280 | no recovery target specified |',
    );
    expect((await patronictl(['show-config', 'bench'])).out).toContain('ttl: 40\n');
  });
});
