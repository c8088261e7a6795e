import { describe, expect, it } from 'vitest';
import { backends } from './backends.js';
import { hostToUrl, parseEtcdConfig } from './config.js';
import { EtcdErrorCode } from './errors.js';
import { contextFor } from './test-helpers.js';

describe('parseEtcdConfig', () => {
  it('host with and without a port; default port 2379', () => {
    expect(parseEtcdConfig('etcd3', { host: '10.0.0.1:2380' }).endpoints).toEqual(['http://10.0.0.1:2380']);
    expect(parseEtcdConfig('etcd3', { host: 'etcd.local' }).endpoints).toEqual(['http://etcd.local:2379']);
    expect(parseEtcdConfig('etcd3', { host: 'etcd.local', port: 4001 }).endpoints).toEqual([
      'http://etcd.local:4001',
    ]);
  });

  it('hosts as a list or a comma string, with protocol', () => {
    const expected = ['https://a:2379', 'https://b:2380'];
    expect(parseEtcdConfig('etcd', { hosts: ['a', 'b:2380'], protocol: 'https' }).endpoints).toEqual(
      expected,
    );
    expect(parseEtcdConfig('etcd', { hosts: 'a, b:2380', protocol: 'https' }).endpoints).toEqual(expected);
    expect(parseEtcdConfig('etcd', { hosts: '127.0.0.1:1,[::1]:2' }).endpoints).toEqual([
      'http://127.0.0.1:1',
      'http://[::1]:2',
    ]);
  });

  it('url and proxy carry scheme and credentials; proxy implies use_proxies', () => {
    const fromUrl = parseEtcdConfig('etcd3', { url: 'https://user:p%40ss@etcd:2379' });
    expect(fromUrl).toMatchObject({
      endpoints: ['https://etcd:2379'],
      protocol: 'https',
      username: 'user',
      password: 'p@ss',
    });
    expect(fromUrl.useProxies).toBe(false);
    const proxy = parseEtcdConfig('etcd3', { proxy: 'http://proxy' });
    expect(proxy).toMatchObject({ endpoints: ['http://proxy:2379'], useProxies: true });
    expect(parseEtcdConfig('etcd3', { hosts: 'a', use_proxies: 'yes' }).useProxies).toBe(true);
  });

  it('srv and its aliases, TLS files and credentials', () => {
    const config = parseEtcdConfig('etcd3', {
      discovery_srv: 'example.org',
      srv_suffix: 'prod',
      username: 'patroni',
      password: 'secret',
      cacert: '/etc/ca.pem',
      cert: '/etc/c.pem',
      key: '/etc/k.pem',
    });
    expect(config).toMatchObject({
      endpoints: [],
      srv: 'example.org',
      srvSuffix: 'prod',
      username: 'patroni',
      password: 'secret',
      tls: { cacert: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/k.pem' },
    });
  });

  it('rejects bad sections with the key path in the message', () => {
    expect(() => parseEtcdConfig('etcd3', {})).toThrow(/etcd3: one of host, hosts, url, proxy, srv/);
    expect(() => parseEtcdConfig('etcd3', { host: 'a', protocol: 'ftp' })).toThrow(/etcd3\.protocol/);
    expect(() => parseEtcdConfig('etcd', { hosts: [1, 2] })).toThrow(/etcd\.hosts/);
    expect(() => parseEtcdConfig('etcd', { url: 'not a url' })).toThrow(/etcd\.url/);
    expect(() => parseEtcdConfig('etcd', { host: 'a', port: 70000 })).toThrow(/etcd\.port/);
    let thrown: unknown = null;
    try {
      parseEtcdConfig('etcd', 'localhost');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: EtcdErrorCode.ConfigInvalid });
  });

  it('the backend factories validate their section before connecting', async () => {
    const factory = backends.etcd3;
    if (!factory) throw new Error('no etcd3 backend');
    await expect(factory({ hosts: 42 }, contextFor('x', 'pg1'))).rejects.toMatchObject({
      code: EtcdErrorCode.ConfigInvalid,
    });
    expect(Object.keys(backends).sort()).toEqual(['etcd', 'etcd3']);
  });

  it('hostToUrl handles IPv6 and explicit ports', () => {
    expect(hostToUrl('[fe80::1]', 'http', 2379)).toBe('http://[fe80::1]:2379');
    expect(hostToUrl('[fe80::1]:1234', 'https', 2379)).toBe('https://[fe80::1]:1234');
    expect(hostToUrl(' h:1 ', 'http', 2379)).toBe('http://h:1');
  });
});
