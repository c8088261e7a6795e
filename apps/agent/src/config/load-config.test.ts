import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readLocalTree } from './load-config.js';

const testdata = (name: string) => new URL(`./testdata/${name}`, import.meta.url).pathname;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agent-config-'));
}

describe('loadConfig: Patroni sample configs', () => {
  for (const [file, name, scope] of [
    ['postgres0.yml', 'postgresql0', 'batman'],
    ['postgres1.yml', 'postgresql1', 'batman'],
    ['postgres2.yml', 'postgresql2', 'batman'],
  ] as const) {
    it(`${file} loads unchanged`, () => {
      const result = loadConfig({ path: testdata(file), env: {} });
      if (!result.ok) throw new Error(result.problems.join('\n'));
      expect(result.config.name).toBe(name);
      expect(result.config.scope).toBe(scope);
      expect(result.config.namespace).toBe('/service/');
      expect(result.config.dcs).toEqual({ kind: 'etcd', section: { host: '127.0.0.1:2379' } });
      expect(result.config.bootstrap?.dcs.ttl).toBe(30);
      expect(result.config.log.level).toBe('INFO');
      expect(result.config.watchdog.mode).toBe('automatic');
      expect(Object.isFrozen(result.config.log)).toBe(true);
    });
  }
});

describe('loadConfig: sources', () => {
  it('merges a directory of YAML files in name order; null removes a key', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '10-base.yml'), readFileSync(testdata('postgres0.yml')));
    writeFileSync(
      join(dir, '20-override.yaml'),
      'name: other\ntags:\n  clonefrom: null\n  nofailover: true\n',
    );
    writeFileSync(join(dir, 'ignored.txt'), 'name: nope\n');
    const result = loadConfig({ path: dir, env: {} });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.name).toBe('other');
    expect(result.config.tags).toEqual({ noloadbalance: false, nostream: false, nofailover: true });
    expect(result.source.kind).toBe('directory');
  });

  it('a file that is not a mapping is refused', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.yml'), '- 1\n- 2\n');
    const result = loadConfig({ path: join(dir, 'a.yml'), env: {} });
    expect(result).toEqual({ ok: false, problems: [`${join(dir, 'a.yml')} does not contain a dict`] });
  });

  it('PATRONI_* variables override the file and are reported as consumed', () => {
    const result = loadConfig({
      path: testdata('postgres0.yml'),
      env: {
        PATRONI_NAME: 'pg-9',
        PATRONI_RESTAPI_LISTEN: '0.0.0.0:9008',
        PATRONI_SUPERUSER_PASSWORD: 'secret',
        PATRONI_LOG_LOGGERS: 'patroni.postmaster: WARNING',
        PATRONI_ETCD_HOSTS: "'h1:2379','h2:2379'",
        PATRONI_ETCD_USERNAME: 'root',
        HOME: '/root',
      },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.name).toBe('pg-9');
    expect(result.config.restapi.listen).toBe('0.0.0.0:9008');
    expect(result.config.log.loggers).toEqual({ 'patroni.postmaster': 'WARNING' });
    expect(result.config.dcs.section).toEqual({
      host: '127.0.0.1:2379',
      hosts: ['h1:2379', 'h2:2379'],
      username: 'root',
    });
    const auth = result.config.postgresql.authentication as Record<string, Record<string, unknown>>;
    expect(auth.superuser).toEqual({ username: 'postgres', password: 'secret' });
    expect([...result.consumedEnv].sort()).toEqual([
      'PATRONI_ETCD_HOSTS',
      'PATRONI_ETCD_USERNAME',
      'PATRONI_LOG_LOGGERS',
      'PATRONI_NAME',
      'PATRONI_RESTAPI_LISTEN',
      'PATRONI_SUPERUSER_PASSWORD',
    ]);
  });

  it('PATRONI_CONFIGURATION is used when no file is given, without other overrides', () => {
    const document = readFileSync(testdata('postgres1.yml'), 'utf8');
    const result = loadConfig({ env: { PATRONI_CONFIGURATION: document, PATRONI_NAME: 'ignored' } });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.name).toBe('postgresql1');
    expect(result.source.kind).toBe('environment-document');
  });

  it('an environment-only configuration', () => {
    const result = loadConfig({
      path: '/nonexistent/patroni.yml',
      env: {
        PATRONI_NAME: 'pg1',
        PATRONI_SCOPE: 'demo',
        PATRONI_RESTAPI_LISTEN: '10.0.0.1:8008',
        PATRONI_RESTAPI_CONNECT_ADDRESS: '10.0.0.1:8008',
        PATRONI_POSTGRESQL_LISTEN: '10.0.0.1:5432',
        PATRONI_POSTGRESQL_CONNECT_ADDRESS: '10.0.0.1:5432',
        PATRONI_POSTGRESQL_DATA_DIR: '/data',
        PATRONI_SUPERUSER_USERNAME: 'postgres',
        PATRONI_REPLICATION_USERNAME: 'replicator',
        PATRONI_ETCD3_HOSTS: 'h1:2379,h2:2379',
        PATRONI_APP_PASSWORD: 'pw',
        PATRONI_APP_OPTIONS: 'createdb',
      },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.dcs).toEqual({ kind: 'etcd3', section: { hosts: ['h1:2379', 'h2:2379'] } });
    expect(result.config.bootstrap?.raw.users).toEqual({ APP: { password: 'pw', options: ['createdb'] } });
  });

  it('an empty configuration is refused', () => {
    expect(loadConfig({ env: {} })).toEqual({ ok: false, problems: ['Config is empty.'] });
  });
});

describe('loadConfig: validation lists every problem', () => {
  it('missing and mistyped keys, by dotted path', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      [
        'scope: 5',
        'restapi: {listen: 127.0.0.1:8008}',
        'etcd3: {hosts: 127.0.0.1:2379}',
        'log: {level: LOUD}',
        'tags: {nofailover: false, failover_priority: 1}',
        'bootstrap: {dcs: {ttl: 5, postgresql: {pg_hba: []}}}',
        'postgresql:',
        '  listen: 127.0.0.1:5432',
        '  data_dir: /d',
        '  pg_hba: [1]',
        '  authentication: {superuser: {username: postgres}}',
      ].join('\n'),
    );
    const result = loadConfig({ path: file, env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        'name  is not defined.',
        'scope 5 is not a string',
        "log.level LOUD didn't pass validation: must be one of DEBUG, INFO, WARN, WARNING, ERROR, FATAL, CRITICAL",
        "tags {'nofailover':false,'failover_priority':1} Multiple of ('nofailover', 'failover_priority') provided",
        "bootstrap.dcs.ttl 5 didn't pass validation: must be at least 20",
        'bootstrap.dcs.postgresql.pg_hba [] is an empty list',
        'restapi.connect_address  is not defined.',
        'postgresql.connect_address  is not defined.',
        'postgresql.pg_hba.0 1 is not a string',
        'postgresql.authentication.replication  is not defined.',
      ]),
    );
    expect(result.problems).toHaveLength(10);
  });

  const base = readFileSync(testdata('postgres0.yml'), 'utf8').replace(/^etcd:\n {2}host: .*$/m, '');

  it('no DCS section is a clear error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.yml'), base.replace(/^etcd:$/m, ''));
    const result = loadConfig({ path: join(dir, 'c.yml'), env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        expect.stringMatching(/^dcs {2}is not defined\. Exactly one DCS section/),
      ]);
  });

  it('two DCS sections are a clear error', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'c.yml'),
      `${base.replace(/^etcd:$/m, '')}\netcd3: {host: 'a:1'}\nzookeeper: {hosts: ['z:2181']}\n`,
    );
    const result = loadConfig({ path: join(dir, 'c.yml'), env: {} });
    expect(result).toEqual({
      ok: false,
      problems: ['etcd3, zookeeper  multiple DCS sections configured; exactly one of them is allowed'],
    });
  });

  it('readLocalTree does not validate (patronictl)', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'x.yml'), 'scope: only\n');
    const result = readLocalTree(join(dir, 'd'), {});
    expect(result.ok && result.tree).toEqual({ scope: 'only' });
  });
});
