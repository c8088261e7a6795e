import { describe, expect, it } from 'vitest';
import { parseEtcdConfig } from './config.js';
import {
  type DiscoveryIo,
  endpointsFromSrv,
  initialEndpoints,
  sameEndpoints,
  srvCandidates,
} from './endpoints.js';

/** A DNS stand-in answering from a table (DNS is not ours to mock, so a table is the seam). */
function dnsTable(
  records: Record<string, { name: string; port: number }[]>,
  members: string[] = [],
): DiscoveryIo {
  return {
    resolveSrv: async (name) => {
      const found = records[name];
      if (!found) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return found;
    },
    peerMembers: async () => members,
  };
}

describe('SRV discovery', () => {
  it('tries Patroni’s record names in order, with the suffix', () => {
    expect(srvCandidates('example.org', null).map((c) => c.name)).toEqual([
      '_etcd-client-ssl._tcp.example.org',
      '_etcd-client._tcp.example.org',
      '_etcd-ssl._tcp.example.org',
      '_etcd._tcp.example.org',
      '_etcd-server-ssl._tcp.example.org',
      '_etcd-server._tcp.example.org',
    ]);
    expect(srvCandidates('d', 'prod')[1]?.name).toBe('_etcd-client-prod._tcp.d');
  });

  it('uses the first kind of record that exists; ssl records mean https', async () => {
    const io = dnsTable({
      '_etcd-client-ssl._tcp.d': [
        { name: 'e1', port: 2379 },
        { name: 'e2', port: 2379 },
      ],
      '_etcd._tcp.d': [{ name: 'x', port: 1 }],
    });
    expect(await endpointsFromSrv('d', null, io, 1_000)).toEqual(['https://e1:2379', 'https://e2:2379']);
  });

  it('server records lead to the peers’ member lists', async () => {
    const io = dnsTable({ '_etcd-server._tcp.d': [{ name: 'p1', port: 2380 }] }, [
      'http://c1:2379',
      'http://c2:2379',
    ]);
    expect(await endpointsFromSrv('d', null, io, 1_000)).toEqual(['http://c1:2379', 'http://c2:2379']);
  });

  it('no records: a clear error', async () => {
    const config = parseEtcdConfig('etcd3', { srv: 'nowhere' });
    await expect(initialEndpoints(config, dnsTable({}), 1_000)).rejects.toThrow(
      'Can not resolve SRV for nowhere',
    );
  });

  it('sameEndpoints ignores order and duplicates', () => {
    expect(sameEndpoints(['a', 'b', 'a'], ['b', 'a'])).toBe(true);
    expect(sameEndpoints(['a'], ['a', 'c'])).toBe(false);
  });
});
