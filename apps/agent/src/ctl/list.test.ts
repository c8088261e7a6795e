import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ctl, REFERENCE_DIR, TestCluster } from './harness.test.util.js';

const reference = (name: string) => readFileSync(`${REFERENCE_DIR}/${name}`, 'utf8');

describe('patronictl list / topology on the cluster Python Patroni 3.0.2 wrote', () => {
  it('list: the 4.x table, 3.x positions shown as replay LSN (receive LSN unknown, its lag empty)', async () => {
    const result = await ctl(new TestCluster(), ['list', 'bench']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        '+ Cluster: bench (7712418725868607391) --------+----+-------------+-----+------------+-----+',
        '| Member | Host            | Role    | State   | TL | Receive LSN | Lag | Replay LSN | Lag |',
        '+--------+-----------------+---------+---------+----+-------------+-----+------------+-----+',
        '| node1  | 127.0.0.1:15432 | Replica | running |  2 |     unknown |     |  0/402A5A8 |   0 |',
        '| node2  | 127.0.0.1:15433 | Leader  | running |  2 |             |     |            |     |',
        '| node3  | 127.0.0.1:15434 | Replica | running |  2 |     unknown |     |  0/402A5A8 |   0 |',
        '+--------+-----------------+---------+---------+----+-------------+-----+------------+-----+',
        '',
      ].join('\n'),
    );
  });

  it('list -f json keeps Cluster, omits empty cells, ints stay ints', async () => {
    const result = await ctl(new TestCluster(), ['list', '-f', 'json', 'bench']);
    const expected = JSON.parse(reference('patronictl_list.json')) as Array<Record<string, unknown>>;
    // 4.x replaces "Lag in MB" with the replay pair for 3.x members that are not streaming.
    const fourX = expected.map(({ 'Lag in MB': lag, ...row }) =>
      lag === undefined
        ? row
        : { ...row, 'Receive LSN': 'unknown', 'Replay LSN': '0/402A5A8', 'Replay Lag': lag },
    );
    expect(JSON.parse(result.out)).toEqual(fourX);
    expect(result.out).toMatch(
      /^\[\{"Cluster": "bench", "Member": "node1", "Host": "127.0.0.1:15432", "Role": "Replica"/,
    );
  });

  it('list -f tsv prints every column', async () => {
    const result = await ctl(new TestCluster(), ['list', '-f', 'tsv', 'bench']);
    expect(result.out.split('\n').slice(0, 2)).toEqual([
      'Cluster\tMember\tHost\tRole\tState\tTL\tReceive LSN\tReceive Lag\tReplay LSN\tReplay Lag',
      'bench\tnode1\t127.0.0.1:15432\tReplica\trunning\t2\tunknown\t\t0/402A5A8\t0',
    ]);
  });

  it('list shows streaming members in the receive columns, sync standbys, pause and extended columns', async () => {
    const cluster = new TestCluster();
    cluster.setJson('config', { ...(cluster.json('config') as object), pause: true, synchronous_mode: true });
    cluster.setJson('sync', { leader: 'node2', sync_standby: 'node3' });
    cluster.setJson('members/node1', {
      conn_url: 'postgres://10.0.0.1:5432/postgres',
      state: 'running',
      role: 'replica',
      replication_state: 'streaming',
      receive_lsn: 67282344,
      replay_lsn: 67282000,
      xlog_location: 67282000,
      timeline: 2,
      tags: { nofailover: true },
      pending_restart: true,
    });
    const result = await ctl(cluster, ['list', 'bench']);
    expect(result.out).toContain(
      '| node1  | 10.0.0.1:5432   | Replica      | streaming |  2 |   0/402A5A8 |   0 |  0/402A450 |   0 | *               | nofailover: true |',
    );
    expect(result.out).toContain('| node3  | 127.0.0.1:15434 | Sync Standby | running   |  2 |');
    expect(result.out.endsWith(' Maintenance mode: on\n')).toBe(true);
    const extended = await ctl(new TestCluster(), ['list', '-e', 'bench']);
    expect(extended.out.split('\n')[1]).toBe(
      '| Member | Host            | Role    | State   | TL | Receive LSN | Lag | Replay LSN | Lag | Pending restart | Pending restart reason | Scheduled restart | Tags |',
    );
  });

  it('list without a cluster name and no scope warns and prints nothing', async () => {
    const result = await ctl(new TestCluster(), ['list']);
    expect(result).toMatchObject({ code: 0, out: '' });
    expect(result.err).toMatch(/ - WARNING - Listing members: No cluster names were provided\n$/);
  });

  it('topology: leader first, replicas indented, cascades under replicatefrom', async () => {
    const cluster = new TestCluster();
    const node3 = cluster.json('members/node3') as Record<string, unknown>;
    cluster.setJson('members/node3', { ...node3, tags: { replicatefrom: 'node1' } });
    const result = await ctl(cluster, ['topology', 'bench']);
    const names = result.out
      .split('\n')
      .slice(3, 6)
      .map((line) => line.split('|')[1]?.trimEnd());
    expect(names).toEqual([' node2', ' + node1', '   + node3']);
    expect(result.out).toContain('| Tags                   |');
    expect(result.out).toContain('{replicatefrom: node1}');
  });

  it('-t prints a timestamp; -w repeats until interrupted', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      if (slept.length === 2) throw new Error('interrupted');
    };
    const result = await ctl(new TestCluster(), ['list', '-t', '-w', '1.5', 'bench'], { sleep });
    expect(slept).toEqual([1500, 1500]);
    expect(result.out.split('2026-11-26 10:00:00\n+ Cluster: bench')).toHaveLength(3);
  });

  it('uninitialized cluster title and a scheduled switchover footer', async () => {
    const cluster = new TestCluster();
    cluster.store.remove('initialize');
    cluster.setJson('failover', {
      leader: 'node2',
      member: 'node1',
      scheduled_at: '2026-11-26T12:00:00+00:00',
    });
    const result = await ctl(cluster, ['list', 'bench']);
    expect(result.out.startsWith('+ Cluster: bench (uninitialized) ')).toBe(true);
    expect(
      result.out.endsWith(
        ' Switchover scheduled at: 2026-11-26T12:00:00+00:00\n                    from: node2\n                      to: node1\n',
      ),
    ).toBe(true);
  });
});

describe('patronictl show-config / history / dsn', () => {
  it('show-config matches the captured output', async () => {
    const result = await ctl(new TestCluster(), ['show-config', 'bench']);
    expect(result.out).toBe(reference('patronictl_show-config.txt'));
  });

  it('history matches the captured output', async () => {
    const result = await ctl(new TestCluster(), ['history', 'bench']);
    expect(result.out).toBe(reference('patronictl_history.txt'));
    const json = await ctl(new TestCluster(), ['history', '-f', 'json', 'bench']);
    expect(json.out).toBe(
      '[{"TL": 1, "LSN": 67280280, "Reason": "no recovery target specified", "Timestamp": "2026-11-26T10:03:51.516755+00:00", "New Leader": "node2"}]\n',
    );
  });

  it('dsn of the leader, a member, or an error', async () => {
    expect((await ctl(new TestCluster(), ['dsn', 'bench'])).out).toBe('host=127.0.0.1 port=15433\n');
    expect((await ctl(new TestCluster(), ['dsn', '-m', 'node3', 'bench'])).out).toBe(
      'host=127.0.0.1 port=15434\n',
    );
    expect((await ctl(new TestCluster(), ['dsn', '-r', 'replica', 'bench'])).out).toBe(
      'host=127.0.0.1 port=15432\n',
    );
    const both = await ctl(new TestCluster(), ['dsn', '-r', 'replica', '-m', 'node1', 'bench']);
    expect(both).toMatchObject({
      code: 1,
      err: 'Error: --role and --member are mutually exclusive options\n',
    });
    const none = await ctl(new TestCluster(), ['dsn', '-r', 'standby-leader', 'bench']);
    expect(none).toMatchObject({ code: 1, err: 'Error: Can not find a suitable member\n' });
  });
});

describe('patronictl usage errors', () => {
  it('unknown option and invalid choice exit 2 with click-style usage', async () => {
    const bad = await ctl(new TestCluster(), ['list', '--frob']);
    expect(bad).toMatchObject({
      code: 2,
      err: "Usage: patronictl list [OPTIONS] [CLUSTER_NAMES]...\nTry 'patronictl list --help' for help.\n\nError: No such option: --frob\n",
    });
    const choice = await ctl(new TestCluster(), ['list', '-f', 'xml']);
    expect(choice.code).toBe(2);
    expect(choice.err).toContain(
      "Error: Invalid value for '-f' / '--format': 'xml' is not one of 'pretty', 'tsv', 'json', 'yaml' or 'yml'.",
    );
    const missing = await ctl(new TestCluster(), ['reload']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain("Error: Missing argument 'CLUSTER_NAME'.");
  });
});
