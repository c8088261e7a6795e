import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CtlSettings } from '../config/agent-config.js';
import { endpointUrl, httpRestClient } from './rest-client.js';

let server: Server;
let baseUrl = '';
let caFile = '';
const seen: Array<{ method: string; url: string; body: string; auth: string | undefined }> = [];

const settings = (overrides: Partial<CtlSettings>): CtlSettings => ({
  auth: null,
  insecure: false,
  caFile: null,
  certFile: null,
  keyFile: null,
  keyFilePassword: null,
  ...overrides,
});

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-tls-'));
  caFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  server = createServer({ cert: readFileSync(caFile), key: readFileSync(keyFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString(),
        auth: req.headers.authorization,
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 30_000);
afterAll(() => {
  server?.close();
});

describe('REST client', () => {
  it('endpoint URL from a member api_url', () => {
    expect(endpointUrl('http://10.0.0.1:8008/patroni', 'switchover').href).toBe(
      'http://10.0.0.1:8008/switchover',
    );
  });

  it('verifies the server certificate against ctl.cacert and sends basic auth and a compact body', async () => {
    const client = httpRestClient(settings({ caFile, auth: { username: 'u', password: 'p' } }));
    const response = await client.request(`${baseUrl}/patroni`, 'PATCH', 'config', { pause: true });
    expect(response).toEqual({ status: 200, body: 'ok' });
    expect(seen.at(-1)).toEqual({
      method: 'PATCH',
      url: '/config',
      body: '{"pause":true}',
      auth: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });

  it('an unknown CA fails unless insecure', async () => {
    await expect(
      httpRestClient(settings({})).request(`${baseUrl}/patroni`, 'GET', 'patroni'),
    ).rejects.toThrow();
    await expect(
      httpRestClient(settings({ insecure: true })).request(`${baseUrl}/patroni`, 'GET', 'patroni'),
    ).resolves.toEqual({ status: 200, body: 'ok' });
  });
});
