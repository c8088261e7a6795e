import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { CtlSettings } from '../config/agent-config.js';
import { agentVersion } from '../version.js';

export interface RestResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Calls members' REST APIs (patronictl.md §1.4; the agent's own peer requests too). Rejects on connection
 * errors and when `signal` aborts. node:http rather than `fetch`: the global fetch loads undici (+2 MiB heap
 * in a daemon that otherwise never needs it).
 */
export interface RestClient {
  request(
    apiUrl: string,
    method: string,
    endpoint: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<RestResponse>;
}

/** `<scheme>://<host:port of api_url>/<endpoint>`. */
export function endpointUrl(apiUrl: string, endpoint: string): URL {
  const url = new URL(apiUrl);
  url.pathname = `/${endpoint.replace(/^\//, '')}`;
  url.search = '';
  return url;
}

function tlsOptions(settings: CtlSettings) {
  const read = (path: string | null) => (path === null ? undefined : readFileSync(path));
  return {
    ca: read(settings.caFile),
    cert: read(settings.certFile),
    key: read(settings.keyFile),
    passphrase: settings.keyFilePassword ?? undefined,
    rejectUnauthorized: !settings.insecure,
  };
}

/** HTTP(S) with basic auth, TLS and the User-Agent from the `ctl` settings; JSON bodies compact. */
export function httpRestClient(settings: CtlSettings): RestClient {
  return {
    request(apiUrl, method, endpoint, body, signal) {
      const url = endpointUrl(apiUrl, endpoint);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {
        'User-Agent': `Patroni/${agentVersion()} Node.js/${process.versions.node} ${process.platform}`,
      };
      if (payload !== undefined) headers['Content-Type'] = 'application/json';
      if (settings.auth)
        headers.Authorization = `Basic ${Buffer.from(`${settings.auth.username}:${settings.auth.password}`).toString('base64')}`;
      const secure = url.protocol === 'https:';
      // node:https only for https members: an agent whose peers speak http never loads TLS.
      const sending = secure ? import('node:https').then((m) => m.request) : Promise.resolve(httpRequest);
      return sending.then(
        (send) =>
          new Promise<RestResponse>((resolve, reject) => {
            const options = { method, headers, ...(signal ? { signal } : {}) };
            const req = send(url, { ...options, ...(secure ? tlsOptions(settings) : {}) }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
              );
              res.on('error', reject);
            });
            req.on('error', reject);
            req.end(payload);
          }),
      );
    },
  };
}
