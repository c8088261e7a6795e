import { describe, expect, it } from 'vitest';
import { buildAcls } from './acl.js';
import { normalizeHosts, parseZooKeeperConfig } from './config.js';
import { ZooKeeperErrorCode } from './errors.js';
import { ancestorsOf, isContainerKey, znodePath } from './paths.js';

describe('zookeeper config', () => {
  it('accepts hosts as a list or a comma string and adds the default port', () => {
    expect(parseZooKeeperConfig({ hosts: ['zk1:2181', 'zk2'] }).hosts).toEqual(['zk1:2181', 'zk2:2181']);
    expect(parseZooKeeperConfig({ hosts: 'zk1:2182, zk2 ,' }).hosts).toEqual(['zk1:2182', 'zk2:2181']);
    expect(normalizeHosts(['[::1]:2181', '[::1]'])).toEqual(['[::1]:2181', '[::1]:2181']);
  });

  it('defaults TLS off with verification on, and reads lenient booleans', () => {
    const config = parseZooKeeperConfig({ hosts: 'zk1', use_ssl: 'on', verify: 'false', key_password: 'x' });
    expect(config.useSsl).toBe(true);
    expect(config.tls).toEqual({ cacert: null, cert: null, key: null, keyPassword: 'x', verify: false });
    expect(parseZooKeeperConfig({ hosts: 'zk1' }).tls.verify).toBe(true);
  });

  it('maps set_acls principals to x509 unless written scheme:credential, and auth_data to pairs', () => {
    const config = parseZooKeeperConfig({
      hosts: 'zk1',
      set_acls: { 'CN=principal1': ['all'], 'digest:u:hash': ['READ', 'write'] },
      auth_data: { digest: 'u:p' },
    });
    expect(config.acls).toEqual([
      { scheme: 'x509', credential: 'CN=principal1', permissions: ['ALL'] },
      { scheme: 'digest', credential: 'u:hash', permissions: ['READ', 'WRITE'] },
    ]);
    expect(config.authData).toEqual([{ scheme: 'digest', credential: 'u:p' }]);
    const acls = buildAcls(config.acls);
    expect(acls.map((a) => [a.permission, a.id.scheme, a.id.id])).toEqual([
      [31, 'x509', 'CN=principal1'],
      [3, 'digest', 'u:hash'],
    ]);
    expect(buildAcls(null).map((a) => [a.permission, a.id.scheme, a.id.id])).toEqual([
      [31, 'world', 'anyone'],
    ]);
  });

  it('names the bad key in its error', () => {
    const attempt = (section: unknown) => {
      try {
        parseZooKeeperConfig(section);
        return null;
      } catch (error) {
        return error as { code: string; message: string };
      }
    };
    expect(attempt({})?.message).toMatch(/zookeeper\.hosts/);
    expect(attempt({})?.code).toBe(ZooKeeperErrorCode.ConfigInvalid);
    expect(attempt({ hosts: ',' })?.message).toMatch(/zookeeper\.hosts: no host/);
    expect(attempt({ hosts: 'a', set_acls: { p: ['FLY'] } })?.message).toMatch(/zookeeper\.set_acls\.p\.0/);
    expect(attempt({ hosts: 'a', use_ssl: 'maybe' })?.message).toMatch(/zookeeper\.use_ssl/);
  });
});

describe('znode paths', () => {
  it('maps keys under the base path and lists ancestors', () => {
    expect(znodePath('/service/batman', 'members/pg-1')).toBe('/service/batman/members/pg-1');
    expect(ancestorsOf('/service/batman/members/pg-1')).toEqual([
      '/service',
      '/service/batman',
      '/service/batman/members',
    ]);
  });

  it('treats members/, optime/ and MPP group folders as containers, not keys', () => {
    expect(['members', 'optime', '0', '12', '1/members', '1/optime'].every(isContainerKey)).toBe(true);
    expect(['leader', 'members/members', 'optime/leader', '0/leader', 'config'].some(isContainerKey)).toBe(
      false,
    );
  });
});
