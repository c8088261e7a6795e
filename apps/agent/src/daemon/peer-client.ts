import type { FailsafeHeartbeat, PeerClient } from '@patroni/ha-core';

export interface PeerClientOptions {
  /** REST API credentials other members expect on unsafe endpoints (POST /failsafe). */
  readonly auth: { readonly username: string; readonly password: string } | null;
}

/** Other members' REST APIs over HTTP (ha-loop.md §14.1, §9). Timeouts come in as the caller's AbortSignal. */
export function createPeerClient(options: PeerClientOptions): PeerClient {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.auth) {
    const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
    headers.authorization = `Basic ${token}`;
  }
  return {
    async fetchStatus(apiUrl, signal) {
      try {
        const response = await fetch(apiUrl, { signal });
        if (response.status !== 200) {
          await response.body?.cancel();
          return null;
        }
        return await response.json();
      } catch {
        return null;
      }
    },
    async postFailsafe(apiUrl: string, payload: FailsafeHeartbeat, signal: AbortSignal) {
      try {
        const url = new URL('/failsafe', apiUrl);
        const response = await fetch(url, {
          method: 'POST',
          signal,
          headers,
          body: JSON.stringify(payload),
        });
        return response.status === 200 && (await response.text()) === 'Accepted';
      } catch {
        return false;
      }
    },
  };
}
