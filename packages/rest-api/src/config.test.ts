import { describe, expect, test } from 'vitest';
import { parseRestApiConfig } from './config.js';
import { RestApiError } from './errors.js';

describe('restapi config', () => {
  test('defaults and derived values', () => {
    const config = parseRestApiConfig({ listen: '0.0.0.0:8008', connect_address: '10.0.0.11:8008' });
    expect(config).toMatchObject({
      listenHost: '0.0.0.0',
      listenPort: 8008,
      apiUrl: 'http://10.0.0.11:8008/patroni',
      authentication: null,
      tls: null,
      allowlist: [],
      allowlistIncludeMembers: false,
      requestQueueSize: 5,
      serverTokens: 'original',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('TLS, auth, allow-list and env-style strings', () => {
    const config = parseRestApiConfig({
      listen: '*:8443',
      certfile: '/etc/ssl/server.pem',
      verify_client: 'Optional',
      authentication: { username: 'u', password: 123 },
      allowlist: '10.0.0.0/8',
      allowlist_include_members: 'on',
      http_extra_headers: { 'X-A': 1 },
      request_queue_size: '10',
      server_tokens: 'Minimal',
    });
    expect(config).toMatchObject({
      listenHost: '',
      apiUrl: 'https://*:8443/patroni',
      tls: { certfile: '/etc/ssl/server.pem', keyfile: null, verifyClient: 'optional' },
      authentication: { username: 'u', password: '123' },
      allowlist: ['10.0.0.0/8'],
      allowlistIncludeMembers: true,
      httpExtraHeaders: { 'X-A': '1' },
      requestQueueSize: 10,
      serverTokens: 'minimal',
    });
    expect(parseRestApiConfig({ listen: '[::1]:8008' })).toMatchObject({
      listenHost: '::1',
      listenPort: 8008,
    });
  });

  test.each([
    [undefined, 'Can not find "restapi.listen" config'],
    [{}, 'restapi.listen'],
    [{ listen: '8008' }, 'restapi.listen: expected <HOST>:<PORT>'],
    [{ listen: 'h:1', verify_client: 'sometimes' }, 'restapi.verify_client'],
    [{ listen: 'h:1', request_queue_size: 5000 }, 'restapi.request_queue_size'],
    [{ listen: 'h:1', authentication: { username: 'u' } }, 'restapi.authentication.password'],
    [{ listen: 'h:1', allowlist_include_members: 'maybe' }, 'restapi.allowlist_include_members'],
  ])('%j is rejected naming %s', (raw, fragment) => {
    expect(() => parseRestApiConfig(raw)).toThrow(RestApiError);
    expect(() => parseRestApiConfig(raw)).toThrow(fragment);
  });
});
