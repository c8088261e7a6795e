import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ctl, type Handler, startApi, TestCluster } from './harness.test.util.js';

let api: Awaited<ReturnType<typeof startApi>> | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function withApi(
  handler: Handler,
): Promise<{ cluster: TestCluster; requests: NonNullable<typeof api>['requests'] }> {
  api = await startApi(handler);
  const cluster = new TestCluster();
  cluster.useApi(api.url);
  return { cluster, requests: api.requests };
}

describe('edit-config', () => {
  it('--set and --pg with --force: diff, CAS write, message', async () => {
    const cluster = new TestCluster();
    const result = await ctl(cluster, [
      'edit-config',
      'bench',
      '-s',
      'loop_wait=5',
      '-p',
      'max_connections=200',
      '-s',
      'retry_timeout=null',
      '--force',
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        '--- ',
        '+++ ',
        '@@ -1,13 +1,13 @@',
        '-loop_wait: 10',
        '+loop_wait: 5',
        ' maximum_lag_on_failover: 1048576',
        ' postgresql:',
        '   parameters:',
        "     hot_standby: 'on'",
        '+    max_connections: 200',
        '     max_replication_slots: 10',
        '     max_wal_senders: 10',
        '     wal_level: replica',
        "     wal_log_hints: 'on'",
        '   use_pg_rewind: true',
        '   use_slots: true',
        '-retry_timeout: 10',
        ' ttl: 30',
        'Configuration changed',
        '',
      ].join('\n'),
    );
    expect(cluster.json('config')).toMatchObject({
      loop_wait: 5,
      postgresql: { parameters: { max_connections: 200 } },
    });
    expect(cluster.json('config')).not.toHaveProperty('retry_timeout');
    expect(cluster.store.get('config')?.value).not.toContain(' ');
  });

  it('asks before applying; declining writes nothing; no change says so', async () => {
    const cluster = new TestCluster();
    const declined = await ctl(cluster, ['edit-config', 'bench', '-q', '-s', 'ttl=40'], { answers: ['n'] });
    expect(declined).toMatchObject({ code: 0, out: '', asked: ['Apply these changes?'] });
    expect(cluster.json('config')).toMatchObject({ ttl: 30 });
    expect((await ctl(cluster, ['edit-config', 'bench', '-s', 'ttl=30'])).out).toBe('Not changed\n');
    expect((await ctl(cluster, ['edit-config', 'bench', '-s', 'ttl'])).err).toBe(
      'Error: Invalid parameter setting ttl\n',
    );
  });

  it('--apply - needs --force; --replace from a file; the editor path', async () => {
    const cluster = new TestCluster();
    const fromStdin = await ctl(cluster, ['edit-config', 'bench', '-q', '--apply', '-'], {
      stdin: 'ttl: 60\n',
    });
    expect(fromStdin.out).toBe('Use --force option to apply changes\n');
    const file = `${process.env.TMPDIR ?? '/tmp'}/patronictl-replace-${process.pid}.yaml`;
    writeFileSync(file, 'ttl: 50\nloop_wait: 5\n');
    await ctl(cluster, ['edit-config', 'bench', '-q', '--replace', file, '--force']);
    expect(cluster.json('config')).toEqual({ ttl: 50, loop_wait: 5 });
    const edited = await ctl(cluster, ['edit-config', 'bench', '-q', '--force'], {
      env: { EDITOR: 'true' },
      editor: (path) => {
        expect(path).toMatch(/\/bench-config-\w+\.yaml$/);
        writeFileSync(path, readFileSync(path, 'utf8').replace('ttl: 50', 'ttl: 45'));
        return 0;
      },
    });
    expect(edited.code).toBe(0);
    expect(cluster.json('config')).toEqual({ ttl: 45, loop_wait: 5 });
    const failing = await ctl(cluster, ['edit-config', 'bench'], {
      env: { EDITOR: 'false' },
      editor: () => 3,
    });
    expect(failing).toMatchObject({ code: 1, err: 'Error: Editor exited with return code 3\n' });
  });

  it('no config key is an error', async () => {
    const cluster = new TestCluster();
    cluster.store.remove('config');
    expect((await ctl(cluster, ['edit-config', 'bench', '-s', 'a=1'])).err).toBe(
      'Error: The config key does not exist in the cluster bench\n',
    );
  });
});

describe('pause / resume', () => {
  it('PATCHes /config on the leader first, with basic auth from ctl', async () => {
    const { cluster, requests } = await withApi(() => ({ status: 200, body: '{}' }));
    const dir = `${process.env.TMPDIR ?? '/tmp'}/patronictl-auth-${process.pid}.yml`;
    writeFileSync(dir, 'ctl:\n  authentication:\n    username: admin\n    password: secret\n');
    const result = await ctl(cluster, ['-c', dir, 'pause', 'bench']);
    expect(result).toMatchObject({ code: 0, out: 'Success: cluster management is paused\n' });
    expect(requests).toEqual([
      {
        method: 'PATCH',
        url: '/config',
        body: '{"pause":true}',
        authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`,
      },
    ]);
    expect((await ctl(cluster, ['resume', 'bench'])).err).toBe('Error: Cluster is not paused\n');
  });

  it('resume --wait polls the members until they report it', async () => {
    const { cluster, requests } = await withApi(() => ({ status: 200, body: '{}' }));
    cluster.setJson('config', { ...(cluster.json('config') as object), pause: true });
    const result = await ctl(cluster, ['resume', '--wait', 'bench']);
    expect(requests[0]?.body).toBe('{"pause":null}');
    expect(result.out).toBe(
      "'resume' request sent, waiting until it is recognized by all nodes\nSuccess: cluster management is resumed\n",
    );
  });

  it('a failure status is reported, exit 0; no reachable member is an error', async () => {
    const { cluster } = await withApi(() => ({ status: 503, body: 'nope' }));
    expect((await ctl(cluster, ['pause', 'bench'])).out).toBe(
      'Failed: pause cluster management status code=503, (nope)\n',
    );
    await api?.close();
    api = null;
    const result = await ctl(cluster, ['pause', 'bench']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('Member node2 is not accessible');
    expect(result.err.endsWith('Error: Can not find accessible cluster member\n')).toBe(true);
  });
});

describe('switchover / failover', () => {
  it('switchover with prompts posts to the leader', async () => {
    const { cluster, requests } = await withApi(() => ({
      status: 200,
      body: 'Successfully switched over to "node1"',
    }));
    const result = await ctl(cluster, ['switchover', 'bench'], { answers: ['', 'node1', 'now', 'y'] });
    expect(result.code).toBe(0);
    expect(result.asked).toEqual([
      'Primary',
      "Candidate ['node1', 'node3']",
      'When should the switchover take place (e.g. 2026-11-26T11:00 ) ',
      'Are you sure you want to switchover cluster bench, demoting current leader node2?',
    ]);
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/switchover',
        body: '{"candidate":"node1","leader":"node2"}',
      }),
    ]);
    expect(result.out).toContain(
      '\n2026-11-26 10:00:00.12300 Successfully switched over to "node1"\n+ Cluster: bench',
    );
    expect(result.out.startsWith('Current cluster topology\n+ Cluster: bench')).toBe(true);
  });

  it('scheduled switchover with --force sends scheduled_at', async () => {
    const { cluster, requests } = await withApi(() => ({ status: 202, body: 'Switchover scheduled' }));
    await ctl(cluster, [
      'switchover',
      'bench',
      '--candidate',
      'node3',
      '--scheduled',
      '2026-11-26T12:00+01:00',
      '--force',
    ]);
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      candidate: 'node3',
      leader: 'node2',
      scheduled_at: '2026-11-26T12:00:00+01:00',
    });
  });

  it('errors: wrong leader, unknown candidate, failover without candidate, paused schedule', async () => {
    const { cluster } = await withApi(() => ({ status: 200, body: '' }));
    expect((await ctl(cluster, ['switchover', 'bench', '--primary', 'node1', '--force'])).err).toBe(
      'Error: Member node1 is not the leader of cluster bench\n',
    );
    expect((await ctl(cluster, ['switchover', 'bench', '--candidate', 'node2', '--force'])).err).toBe(
      'Error: Member node2 is already the leader of cluster bench\n',
    );
    expect((await ctl(cluster, ['failover', 'bench', '--candidate', 'nodeX', '--force'])).err).toBe(
      'Error: Member nodeX does not exist in cluster bench or is tagged as nofailover\n',
    );
    expect((await ctl(cluster, ['failover', 'bench', '--force'])).err).toBe(
      'Error: Failover could be performed only to a specific candidate\n',
    );
    const usage = await ctl(cluster, ['failover', 'bench', '--leader', 'node2']);
    expect(usage.code).toBe(2);
    expect((await ctl(cluster, ['switchover', 'bench', '--scheduled', 'tomorrow', '--force'])).err).toBe(
      'Error: Unable to parse scheduled timestamp (tomorrow). It should be in an unambiguous format (e.g. ISO 8601)\n',
    );
    const declined = await ctl(cluster, ['failover', 'bench', '--candidate', 'node1'], { answers: ['n'] });
    expect(declined).toMatchObject({ code: 1, err: 'Error: Aborting failover\n' });
  });

  it('a non-2xx answer is printed and the command ends; an unreachable API falls back to the DCS', async () => {
    const { cluster } = await withApi(() => ({ status: 412, body: 'candidate name does not match' }));
    const failed = await ctl(cluster, ['failover', 'bench', '--candidate', 'node1', '--force']);
    expect(failed.out.endsWith('Failover failed, details: 412, candidate name does not match\n')).toBe(true);
    await api?.close();
    api = null;
    const fallback = await ctl(cluster, ['switchover', 'bench', '--candidate', 'node3', '--force']);
    expect(fallback.out).toContain(
      '2026-11-26 10:00:00.12300 Could not switchover using Patroni api, falling back to DCS\n',
    );
    expect(cluster.json('failover')).toEqual({ leader: 'node2', member: 'node3' });
  });
});

describe('reload / restart / reinit / flush', () => {
  it('reload all members after confirmation', async () => {
    const { cluster, requests } = await withApi((r) => ({
      status: r.url === '/reload' ? 202 : 404,
      body: '',
    }));
    const result = await ctl(cluster, ['reload', 'bench'], { answers: ['y'] });
    expect(result.asked).toEqual(['Are you sure you want to reload members node1, node2, node3?']);
    expect(result.out).toContain(
      'Reload request received for member node1 and will be processed within 10 seconds\n',
    );
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /reload',
      'POST /reload',
      'POST /reload',
    ]);
    const declined = await ctl(cluster, ['reload', 'bench', 'node1'], { answers: ['n'] });
    expect(declined).toMatchObject({ code: 1, err: 'Error: Aborted reload\n' });
    expect((await ctl(cluster, ['reload', 'bench', 'nodeX', '--force'])).err).toBe(
      'Error: No any among provided members\n',
    );
  });

  it('restart a replica with a version filter and a schedule', async () => {
    const { cluster, requests } = await withApi(() => ({ status: 202, body: '' }));
    const result = await ctl(cluster, [
      'restart',
      'bench',
      '-r',
      'replica',
      '--scheduled',
      '2026-11-26T12:00:00Z',
      '--pg-version',
      '15.2',
      '--force',
    ]);
    expect(result.out).toContain(
      'Success: restart scheduled on member node1\nSuccess: restart scheduled on member node3\n',
    );
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      postgres_version: '15.2',
      schedule: '2026-11-26T12:00:00+00:00',
    });
    const bad = await ctl(cluster, ['restart', 'bench', 'node1', '--pg-version', '9.6', '--force']);
    expect(bad.err).toBe('Error: Invalid PostgreSQL version: 9.6\n');
  });

  it('reinit --from-leader --wait', async () => {
    const { cluster, requests } = await withApi((r) =>
      r.url === '/patroni'
        ? { status: 200, body: '{"state":"running"}' }
        : { status: 200, body: 'reinitialize started' },
    );
    const result = await ctl(cluster, ['reinit', 'bench', 'node1', '--from-leader', '--wait'], {
      answers: ['y'],
    });
    expect(result.asked).toEqual(['Are you sure you want to reinitialize members node1?']);
    expect(result.out).toContain(
      'Success: reinitialize for member node1\nWaiting for reinitialize to complete on: node1\nReinitialize is completed on: node1\n',
    );
    expect(requests[0]).toMatchObject({ url: '/reinitialize', body: '{"force":false,"from_leader":true}' });
    expect((await ctl(cluster, ['reinit', 'bench', 'node2', '--force'])).err).toBe(
      'Error: No replica among provided members\n',
    );
  });

  it('flush switchover: via the API, or the DCS when nobody answers', async () => {
    const { cluster } = await withApi(() => ({ status: 200, body: 'scheduled switchover deleted' }));
    expect((await ctl(cluster, ['flush', 'bench', 'switchover'])).out).toBe(
      'No pending scheduled switchover\n',
    );
    cluster.setJson('failover', { leader: 'node2', scheduled_at: '2026-11-26T12:00:00+00:00' });
    expect((await ctl(cluster, ['flush', 'bench', 'switchover'])).out).toBe(
      'Success: scheduled switchover deleted\n',
    );
    await api?.close();
    api = null;
    const fallback = await ctl(cluster, ['flush', 'bench', 'switchover']);
    expect(fallback.out).toBe(
      '2026-11-26 10:00:00.12300 Could not find any accessible member of cluster bench\n',
    );
    expect(cluster.json('failover')).toEqual({});
  });
});

describe('remove / version / demote-cluster', () => {
  it('remove asks three questions and deletes the cluster', async () => {
    const cluster = new TestCluster();
    const wrong = await ctl(cluster, ['remove', 'bench'], { answers: ['bench', 'Yes I am aware', 'node1'] });
    expect(wrong).toMatchObject({
      code: 1,
      err: 'Error: You did not specify the current leader of the cluster\n',
    });
    const ok = await ctl(cluster, ['remove', 'bench'], { answers: ['bench', 'Yes I am aware', 'node2'] });
    expect(ok.asked).toEqual([
      'Please confirm the cluster name to remove',
      'You are about to remove all information in DCS for bench, please type: "Yes I am aware"',
      'This cluster currently is healthy. Please specify the leader name to continue',
    ]);
    expect(cluster.store.snapshot().nodes).toEqual([]);
  });

  it('version of patronictl and of the members', async () => {
    const { cluster } = await withApi(() => ({
      status: 200,
      body: '{"patroni":{"version":"3.0.2"},"server_version":150004}',
    }));
    const result = await ctl(cluster, ['version', 'bench', 'node1']);
    expect(result.out).toMatch(
      /^patronictl version \d+\.\d+\.\d+\n\nnode1: Patroni 3.0.2 PostgreSQL 15.4\n$/,
    );
  });

  it('demote-cluster patches standby_cluster and polls until the leader is a running standby leader', async () => {
    const { cluster, requests } = await withApi(() => ({ status: 200, body: '' }));
    let polls = 0;
    const original = cluster.openDcs;
    cluster.openDcs = async (config, name) => {
      const dcs = await original(config, name);
      const load = dcs.loadCluster.bind(dcs);
      dcs.loadCluster = async (options) => {
        if (++polls === 3)
          cluster.setJson('members/node2', {
            ...(cluster.json('members/node2') as object),
            role: 'standby_leader',
          });
        return load(options);
      };
      return dcs;
    };
    const result = await ctl(cluster, [
      'demote-cluster',
      'bench',
      '--host',
      '10.0.0.9',
      '--port',
      '5432',
      '--force',
    ]);
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      standby_cluster: { host: '10.0.0.9', port: 5432 },
    });
    expect(result.out).toContain(
      '2026-11-26 10:00:00 cluster is unlocked: False, leader role: master, leader state: running\n',
    );
    expect(result.out).toContain('2026-11-26 10:00:00 cluster is successfully demoted\n');
    expect((await ctl(cluster, ['demote-cluster', 'bench'])).err).toBe(
      'Error: At least --host, --port or --restore-command should be specified\n',
    );
  });
});

describe('configuration', () => {
  it('a missing -c file is an error; the default path is silently ignored', async () => {
    const missing = await ctl(new TestCluster(), ['-c', '/nonexistent/p.yml', 'list']);
    expect(missing).toMatchObject({
      code: 1,
      err: 'Error: Provided config file /nonexistent/p.yml not existing or no read rights. Check the -c/--config-file parameter\n',
    });
  });

  it('scope from PATRONI_SCOPE and config file via PATRONICTL_CONFIG_FILE', async () => {
    const result = await ctl(new TestCluster(), ['show-config'], { env: { PATRONI_SCOPE: 'bench' } });
    expect(result.out).toContain('loop_wait: 10\n');
  });
});
