import { describe, expect, it } from 'vitest';
import { gatewayApiOf } from './api-version.js';

const version = (server: string, cluster: string) =>
  gatewayApiOf({ etcdserver: server, etcdcluster: cluster });

describe('GET /version → gateway prefix (as Patroni chooses it)', () => {
  it.each([
    ['3.0.17', '3.0.0', '/v3alpha', false, false],
    ['3.1.20', '3.1.0', '/v3alpha', true, false],
    ['3.2.32', '3.2.0', '/v3alpha', true, false],
    ['3.3.27', '3.3.0', '/v3beta', true, true],
    ['3.4.23', '3.4.0', '/v3', true, true],
    ['3.5.17', '3.5.0', '/v3', true, true],
    ['3.6.0', '3.6.0', '/v3', true, true],
  ] as const)('etcd %s (cluster %s) → %s', (server, cluster, prefix, watch, auth) => {
    const result = version(server, cluster);
    if (!result.ok) throw new Error(result.reason);
    expect(result.api).toEqual({
      prefix,
      clusterVersion: cluster,
      watchSupported: watch,
      authSupported: auth,
    });
  });

  it('the cluster version decides, not the server version (a 3.4 member in a 3.3 cluster)', () => {
    const result = version('3.4.23', '3.3.0');
    expect(result.ok && result.api.prefix).toBe('/v3beta');
  });

  it('refuses servers older than 3.0.4 and answers it cannot read', () => {
    expect(version('3.0.3', '3.0.0')).toEqual({
      ok: false,
      reason: 'Detected Etcd version 3.0.3 is lower than 3.0.4',
    });
    expect(version('2.3.8', '2.3.0').ok).toBe(false);
    const undecided = version('3.4.23', 'not_decided');
    expect(undecided.ok).toBe(false);
    expect(!undecided.ok && undecided.reason).toMatch(/not known yet/);
    expect(gatewayApiOf('3.4.23').ok).toBe(false);
    expect(gatewayApiOf(null).ok).toBe(false);
  });
});
