/** Basic auth, allow-lists, extra headers and TLS (certificates made with openssl in a temp dir). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { makeTempDir } from '@patroni/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { RestApiError } from './errors.js';
import { benchCluster, statusOf } from './test-support/builders.js';
import { type Harness, startApi } from './test-support/harness.js';
import { request } from './test-support/http-client.js';

let api: Harness | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic auth on unsafe endpoints', () => {
  test('401 messages, WWW-Authenticate, success; GETs stay open', async () => {
    api = await startApi(statusOf('replica'), {
      restapi: { authentication: { username: 'admin', password: 's3cret' } },
    });
    const none = await request(api.port, '/reload', { method: 'POST' });
    expect([none.status, none.body, none.headers['www-authenticate']]).toEqual([
      401,
      'no auth header received',
      'Basic realm="Patroni"',
    ]);
    for (const header of [
      basic('admin', 'wrong'),
      basic('admin', 's3cret').replace('Basic', 'Bearer'),
      'Basic',
    ]) {
      const bad = await request(api.port, '/reload', { method: 'POST', headers: { authorization: header } });
      expect([bad.status, bad.body]).toEqual([401, 'not authenticated']);
    }
    const good = await request(api.port, '/reload', {
      method: 'POST',
      headers: { authorization: basic('admin', 's3cret') },
    });
    expect(good.status).toBe(202);
    expect((await request(api.port, '/patroni')).status).toBe(200);
    expect(api.commands.calls.map((c) => c.method)).toEqual(['reload']);
  });
});

describe('allow-list', () => {
  test('a client outside the allow-list gets 403 Access is denied', async () => {
    api = await startApi(statusOf('replica'), {
      restapi: { allowlist: ['10.0.0.0/8', 'not a host.invalid'] },
    });
    const response = await request(api.port, '/reload', { method: 'POST' });
    expect([response.status, response.body]).toEqual([403, 'Access is denied']);
    expect((await request(api.port, '/health')).status).toBe(200);
  });

  test('CIDR with host bits, single IPs and hostnames admit the client', async () => {
    for (const entry of ['127.0.0.5/8', '127.0.0.1', 'localhost']) {
      api = await startApi(statusOf('replica'), { restapi: { allowlist: [entry] } });
      expect([entry, (await request(api.port, '/reload', { method: 'POST' })).status]).toEqual([entry, 202]);
      await api.close();
      api = null;
    }
  });

  test('allowlist_include_members admits members (api_url hosts), but not for POST /failsafe', async () => {
    const config = { ttl: 30, failsafe_mode: true };
    const status = statusOf('replica', { dynamicConfig: config });
    api = await startApi(status, { restapi: { allowlist: ['10.1.1.1'], allowlist_include_members: true } });
    expect((await request(api.port, '/reload', { method: 'POST' })).status).toBe(202);
    const heartbeat = JSON.stringify({ name: 'node2', conn_url: 'postgres://x', api_url: 'http://x' });
    expect((await request(api.port, '/failsafe', { method: 'POST', body: heartbeat })).status).toBe(403);
    const strangers = benchCluster({
      memberExtra: Object.fromEntries(
        ['node1', 'node2', 'node3'].map((n) => [n, { api_url: 'http://10.9.9.9:8008/patroni' }]),
      ),
    });
    api.status = statusOf('replica', { cluster: strangers });
    expect((await request(api.port, '/reload', { method: 'POST' })).status).toBe(403);
  });
});

describe('extra headers', () => {
  test('http_extra_headers on JSON and text responses, not on status-only or error pages', async () => {
    api = await startApi(statusOf('replica'), {
      restapi: { http_extra_headers: { 'X-Frame-Options': 'DENY' } },
    });
    expect((await request(api.port, '/patroni')).headers['x-frame-options']).toBe('DENY');
    expect((await request(api.port, '/reload', { method: 'POST' })).headers['x-frame-options']).toBe('DENY');
    expect(
      (await request(api.port, '/replica', { method: 'OPTIONS' })).headers['x-frame-options'],
    ).toBeUndefined();
    expect((await request(api.port, '/failsafe')).headers['x-frame-options']).toBeUndefined();
  });
});

describe('TLS', () => {
  let dir: { path: string; remove(): Promise<void> };
  const file = (name: string) => `${dir.path}/${name}`;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

  beforeAll(async () => {
    dir = await makeTempDir('restapi-tls-');
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=test-ca',
    );
    openssl('genrsa', '-aes256', '-passout', 'pass:keypass', '-out', file('server.key'), '2048');
    openssl(
      'req',
      '-new',
      '-key',
      file('server.key'),
      '-passin',
      'pass:keypass',
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    );
    const ext = file('san.ext');
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${ext}`]);
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.crt'),
      '-days',
      '2',
      '-extfile',
      ext,
    );
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('client.key'),
      '-out',
      file('client.csr'),
      '-subj',
      '/CN=client',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file('client.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('client.crt'),
      '-days',
      '2',
    );
  });
  afterAll(() => dir.remove());

  function tlsConfig(verifyClient: string) {
    return {
      certfile: file('server.crt'),
      keyfile: file('server.key'),
      keyfile_password: 'keypass',
      cafile: file('ca.crt'),
      verify_client: verifyClient,
      https_extra_headers: { 'Strict-Transport-Security': 'max-age=31536000' },
    };
  }

  function tlsRequest(port: number, path: string, method: string, withCert: boolean) {
    return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          ca: readFileSync(file('ca.crt')),
          agent: false,
          ...(withCert
            ? { cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) }
            : {}),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  test('verify_client none: HTTPS with an encrypted key, https_extra_headers added', async () => {
    api = await startApi(statusOf('primary'), { restapi: tlsConfig('none') });
    const response = await tlsRequest(api.port, '/primary', 'GET', false);
    expect([response.status, response.headers['strict-transport-security']]).toEqual([
      200,
      'max-age=31536000',
    ]);
    expect((await tlsRequest(api.port, '/reload', 'POST', false)).status).toBe(202);
  });

  test('verify_client optional: GETs without a cert, unsafe endpoints require one', async () => {
    api = await startApi(statusOf('primary'), { restapi: tlsConfig('optional') });
    expect((await tlsRequest(api.port, '/health', 'GET', false)).status).toBe(200);
    expect((await tlsRequest(api.port, '/reload', 'POST', false)).status).toBe(403);
    expect((await tlsRequest(api.port, '/reload', 'POST', true)).status).toBe(202);
  });

  test('verify_client required: the handshake fails without a client cert', async () => {
    api = await startApi(statusOf('primary'), { restapi: tlsConfig('REQUIRED') });
    await expect(tlsRequest(api.port, '/health', 'GET', false)).rejects.toThrow();
    expect((await tlsRequest(api.port, '/health', 'GET', true)).status).toBe(200);
  });

  test('a wrong keyfile_password fails listen() with RESTAPI_TLS_SETUP_FAILED', async () => {
    const failure = startApi(statusOf('primary'), {
      restapi: { ...tlsConfig('none'), keyfile_password: 'nope' },
    });
    await expect(failure).rejects.toBeInstanceOf(RestApiError);
    await expect(failure).rejects.toMatchObject({ code: 'RESTAPI_TLS_SETUP_FAILED' });
  });
});
