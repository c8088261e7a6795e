import { describe, expect, it } from 'vitest';
import { parseBootstrapConfig, parsePostgresqlConfig } from './config.js';
import { isPostgresError, PostgresErrorCode } from './errors.js';

const minimal = {
  listen: '0.0.0.0:5433',
  data_dir: '/var/lib/pg/data',
  authentication: { superuser: { username: 'postgres', password: 1234 }, replication: { username: 'rep' } },
};

describe('postgresql section', () => {
  it('defaults and converts to camelCase with units', () => {
    const config = parsePostgresqlConfig(minimal);
    expect(config.listenAddresses).toEqual(['0.0.0.0']);
    expect(config.port).toBe(5433);
    expect(config.configDir).toBe('/var/lib/pg/data');
    expect(config.createReplicaMethods).toEqual(['basebackup']);
    expect(config.pgCtlTimeoutMs).toBe(60_000);
    expect(config.authentication.superuser.password).toBe('1234');
    expect(config.authentication.replication.password).toBeNull();
    expect(config.usePgRewind).toBe(false);
    expect(config.pgpassPath.endsWith('/pgpass')).toBe(true);
  });

  it('reads booleans spelled as strings, legacy create_replica_method and method sections', () => {
    const config = parsePostgresqlConfig({
      ...minimal,
      use_pg_rewind: 'on',
      remove_data_directory_on_rewind_failure: 'true',
      create_replica_method: ['wal_e', 'basebackup'],
      wal_e: { command: 'restore.sh', no_leader: 1 },
      basebackup: [{ 'max-rate': '100M' }, 'verbose'],
      authentication: {
        superuser: { username: 'postgres', sslmode: 'require', bogus: 'x' },
        replication: { username: 'rep' },
      },
    });
    expect(config.usePgRewind).toBe(true);
    expect(config.removeDataDirectoryOnRewindFailure).toBe(true);
    expect(config.createReplicaMethods).toEqual(['wal_e', 'basebackup']);
    expect(config.replicaMethods.wal_e).toEqual({ command: 'restore.sh', no_leader: 1 });
    expect(config.basebackup).toEqual([{ 'max-rate': '100M' }, 'verbose']);
    expect(config.authentication.superuser.options).toEqual({ sslmode: 'require' });
  });

  it('names every bad key path', () => {
    try {
      parsePostgresqlConfig({
        listen: '*,10.0.0.1:5432',
        authentication: { superuser: {} },
        use_pg_rewind: 'maybe',
        parameters: ['x'],
      });
      expect.unreachable();
    } catch (error) {
      expect(isPostgresError(error, PostgresErrorCode.InvalidConfig)).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain('postgresql.listen: `*` must be the only listen address');
      expect(message).toContain('postgresql.data_dir');
      expect(message).toContain('postgresql.authentication.superuser.username');
      expect(message).toContain('postgresql.authentication.replication');
      expect(message).toContain('postgresql.use_pg_rewind: expected a boolean');
      expect(message).toContain('postgresql.parameters is not a dictionary');
    }
  });

  it('rejects a bad port', () => {
    expect(() => parsePostgresqlConfig({ ...minimal, listen: 'localhost:99999' })).toThrow(
      /postgresql.listen: invalid port/,
    );
  });
});

describe('bootstrap section', () => {
  it('initdb list and map forms, post_init fallback', () => {
    const list = parseBootstrapConfig({
      initdb: ['data-checksums', { encoding: 'UTF8' }],
      post_init: '/bin/true',
    });
    expect(list.method).toBe('initdb');
    expect(list.initdb).toEqual(['data-checksums', { encoding: 'UTF8' }]);
    expect(list.postBootstrap).toBe('/bin/true');
    expect(parseBootstrapConfig({ initdb: { encoding: 'UTF8', 'data-checksums': true } }).initdb).toEqual({
      encoding: 'UTF8',
      'data-checksums': true,
    });
  });

  it('custom method with command; falls back to initdb without one', () => {
    const custom = parseBootstrapConfig({
      method: 'pitr',
      pitr: { command: 'restore.sh --x', no_params: 'yes', target: 'now' },
    });
    expect(custom.method).toBe('pitr');
    expect(custom.customMethod?.no_params).toBe(true);
    expect(parseBootstrapConfig({ method: 'pitr', pitr: { target: 'x' } }).method).toBe('initdb');
  });

  it('names the bad key of a custom method', () => {
    expect(() =>
      parseBootstrapConfig({ method: 'pitr', pitr: { command: 'x', no_params: 'perhaps' } }),
    ).toThrow(/bootstrap.pitr.no_params/);
  });
});
