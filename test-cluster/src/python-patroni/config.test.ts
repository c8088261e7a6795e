import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCtlConfig, buildNodeConfig, dcsHostsOf, type PatroniNodeSpec, renderYaml } from './config.js';
import { parseClusterMembers } from './rest.js';

const spec: PatroniNodeSpec = {
  scope: 'pyref',
  namespace: '/service/',
  name: 'node2',
  dcs: 'etcd3',
  dcsHosts: ['127.0.0.1:2379'],
  restPort: 18009,
  pgPort: 15433,
  nodeDir: '/tmp/run/node2',
  binDir: '/usr/lib/postgresql/15/bin',
  timing: { ttl: 10, loopWait: 2, retryTimeout: 4 },
  passwords: { superuser: 'su', replication: 'rep', rewind: 'rw' },
};

describe('Python Patroni node config', () => {
  it('renders YAML Patroni reads back into the shape of postgres0.yml', () => {
    const config = parse(renderYaml(buildNodeConfig(spec)));
    expect(config).toMatchObject({
      scope: 'pyref',
      name: 'node2',
      restapi: { listen: '127.0.0.1:18009', connect_address: '127.0.0.1:18009' },
      etcd3: { hosts: ['127.0.0.1:2379'] },
      bootstrap: {
        dcs: {
          ttl: 10,
          loop_wait: 2,
          retry_timeout: 4,
          postgresql: { use_pg_rewind: true, parameters: { wal_log_hints: 'on' } },
        },
      },
      postgresql: {
        listen: '127.0.0.1:15433',
        connect_address: '127.0.0.1:15433',
        data_dir: '/tmp/run/node2/data',
        bin_dir: '/usr/lib/postgresql/15/bin',
        authentication: {
          superuser: { username: 'postgres', password: 'su' },
          replication: { username: 'replicator', password: 'rep' },
          rewind: { username: 'rewind_user', password: 'rw' },
        },
        parameters: { unix_socket_directories: '/tmp/run/node2' },
      },
    });
    expect(config.postgresql.pg_hba).toContain('host replication replicator 127.0.0.1/32 md5');
    expect(config.postgresql.pg_hba).toContain('host all all 127.0.0.1/32 md5');
    expect(config.bootstrap.dcs).not.toHaveProperty('synchronous_mode');
  });

  it('switches the DCS section and adds synchronous mode when asked', () => {
    const config = buildNodeConfig({ ...spec, dcs: 'etcd', synchronousMode: 'strict' });
    expect(config).toHaveProperty('etcd');
    expect(config).not.toHaveProperty('etcd3');
    expect(config.bootstrap).toMatchObject({
      dcs: { synchronous_mode: true, synchronous_mode_strict: true },
    });
    expect(buildCtlConfig(spec)).toEqual({
      scope: 'pyref',
      namespace: '/service/',
      etcd3: { hosts: ['127.0.0.1:2379'] },
    });
  });

  it('takes etcd endpoints as URLs or host:port lists and names a bad one', () => {
    expect(dcsHostsOf('http://127.0.0.1:2379')).toEqual(['127.0.0.1:2379']);
    expect(dcsHostsOf('127.0.0.1:1, http://127.0.0.1:2/')).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    expect(() => dcsHostsOf('http://127.0.0.1')).toThrow(/"127.0.0.1" is not host:port/);
    expect(() => dcsHostsOf(' ')).toThrow(/no etcd endpoint/);
  });
});

describe('GET /cluster parsing', () => {
  it('keeps named members and tolerates junk', () => {
    expect(
      parseClusterMembers({
        members: [
          { name: 'node1', role: 'leader', state: 'running', timeline: 2, api_url: 'http://h:8/patroni' },
          { role: 'replica' },
          'x',
        ],
      }),
    ).toEqual([{ name: 'node1', role: 'leader', state: 'running', timeline: 2, restUrl: 'http://h:8' }]);
    expect(parseClusterMembers('nope')).toEqual([]);
    expect(parseClusterMembers({ members: {} })).toEqual([]);
  });
});
