import { describe, expect, it } from 'vitest';
import { configFromEnv, parsePythonInt } from './env-config.js';

describe('configFromEnv (config.md §6)', () => {
  it('typed log/restapi/ctl values, legacy names, binaries', () => {
    const { tree, consumed } = configFromEnv({
      PATRONI_LOGLEVEL: 'DEBUG',
      PATRONI_LOG_FORMAT: '["message", {"levelname": "level"}]',
      PATRONI_LOG_FILE_NUM: '3',
      PATRONI_LOG_MODE: '0640',
      PATRONI_RESTAPI_ALLOWLIST: '127.0.0.1, 10.0.0.0/8',
      PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS: 'on',
      PATRONI_RESTAPI_HTTP_EXTRA_HEADERS: "'X-Frame-Options': 'SAMEORIGIN'",
      PATRONI_CTL_INSECURE: 'true',
      PATRONI_POSTGRESQL_BIN_PG_CTL: 'pg_ctl15',
      PATRONI_REPLICATION_SSLMODE: 'require',
      PATRONI_RESTAPI_USERNAME: 'admin',
      PATRONI_RESTAPI_PASSWORD: 'pw',
      PATRONI_NAME: '',
      OTHER: 'x',
    });
    expect(tree).toEqual({
      log: { level: 'DEBUG', format: ['message', { levelname: 'level' }], file_num: 3, mode: 0o640 },
      restapi: {
        allowlist: ['127.0.0.1', '10.0.0.0/8'],
        allowlist_include_members: true,
        http_extra_headers: { 'X-Frame-Options': 'SAMEORIGIN' },
        authentication: { username: 'admin', password: 'pw' },
      },
      ctl: { insecure: true },
      postgresql: {
        bin_name: { pg_ctl: 'pg_ctl15' },
        authentication: { replication: { sslmode: 'require' } },
      },
    });
    expect(consumed).toContain('PATRONI_NAME');
    expect(consumed).not.toContain('OTHER');
  });

  it('generic DCS variables and citus', () => {
    const { tree } = configFromEnv({
      PATRONI_ZOOKEEPER_HOSTS: "['z1:2181', 'z2:2181']",
      PATRONI_KUBERNETES_LABELS: 'application: patroni',
      PATRONI_KUBERNETES_USE_ENDPOINTS: 'true',
      PATRONI_CONSUL_PORT: '8500',
      PATRONI_CITUS_GROUP: '1',
      PATRONI_CITUS_DATABASE: 'citus',
      PATRONI_CITUS_HOST: 'ignored',
      PATRONI_ZOOKEEPER_USE_SSL: 'true',
    });
    expect(tree).toEqual({
      zookeeper: { hosts: ['z1:2181', 'z2:2181'], use_ssl: 'true' },
      kubernetes: { labels: { application: 'patroni' }, use_endpoints: true },
      consul: { port: 8500 },
      citus: { group: 1, database: 'citus' },
    });
  });

  it('a leftover PATRONI_ETCD_PASSWORD without an etcd section is a bootstrap user (3.x quirk)', () => {
    expect(configFromEnv({ PATRONI_ETCD_PASSWORD: 'x' }).tree).toEqual({
      bootstrap: { users: { ETCD: { password: 'x' } } },
    });
    expect(configFromEnv({ PATRONI_ETCD_HOST: 'h:2379', PATRONI_ETCD_PASSWORD: 'x' }).tree).toEqual({
      etcd: { host: 'h:2379', password: 'x' },
    });
  });

  it('parsePythonInt', () => {
    expect([
      parsePythonInt('0640'),
      parsePythonInt('0x10'),
      parsePythonInt('-5'),
      parsePythonInt('5s'),
    ]).toEqual([416, 16, -5, null]);
  });
});
