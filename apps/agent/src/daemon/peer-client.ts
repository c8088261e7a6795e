import type { FailsafeHeartbeat, PeerClient } from '@patroni/ha-core';
import type { RestClient } from '../ctl/rest-client.js';

/**
 * Other members' REST APIs (ha-loop.md §14.1, §9) through the same client and TLS/auth settings patronictl
 * uses, as Patroni's own peer requests do. Timeouts come in as the caller's AbortSignal.
 */
export function createPeerClient(rest: RestClient): PeerClient {
  return {
    async fetchStatus(apiUrl, signal) {
      try {
        // The member's api_url itself (normally `.../patroni`), as Patroni requests it.
        const response = await rest.request(apiUrl, 'GET', new URL(apiUrl).pathname, undefined, signal);
        return response.status === 200 ? JSON.parse(response.body) : null;
      } catch {
        return null;
      }
    },
    async postFailsafe(apiUrl: string, payload: FailsafeHeartbeat, signal: AbortSignal) {
      try {
        const response = await rest.request(apiUrl, 'POST', 'failsafe', payload, signal);
        return response.status === 200 && response.body === 'Accepted';
      } catch {
        return false;
      }
    },
  };
}
