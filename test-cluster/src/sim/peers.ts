import type { FailsafeHeartbeat } from '@patroni/ha-core';
import type { Network } from './network.js';
import type { Scheduler } from './scheduler.js';

/** What a node's REST API answers, as the peer client sees it. */
export interface RestEndpoint {
  /** The agent process is up (else: connection refused at once). */
  readonly listening: boolean;
  /** The agent is SIGSTOPped: the request hangs until the client gives up. */
  readonly hung: boolean;
  /** `GET /patroni` body. */
  statusDocument(): unknown;
  /** `POST /failsafe`: true for HTTP 200 `Accepted`. */
  acceptFailsafe(payload: FailsafeHeartbeat): boolean;
}

/** A request nobody answers is abandoned by the caller's timeout; this is the TCP-level backstop. */
const UNANSWERED_GIVE_UP_MS = 30_000;

/** `http://pg3:8008/patroni` → `pg3`. */
export function nodeOfApiUrl(apiUrl: string): string {
  return /^https?:\/\/([^:/]+)/.exec(apiUrl)?.[1] ?? apiUrl;
}

/**
 * Node-to-node REST calls over the simulated network (`GET /patroni`, `POST /failsafe`). A cut in either
 * direction, or a hung agent, leaves the request unanswered until the caller's signal aborts it; a dead
 * agent refuses at once; otherwise the answer comes after one round trip and reflects the peer's state
 * when the request arrived.
 */
export class SimPeers {
  constructor(
    private readonly network: Network,
    private readonly scheduler: Scheduler,
    private readonly endpoints: (name: string) => RestEndpoint | null,
  ) {}

  private async call<T>(
    from: string,
    to: string,
    signal: AbortSignal,
    answer: (endpoint: RestEndpoint) => T,
    failed: T,
  ): Promise<T> {
    const endpoint = this.endpoints(to);
    if (!this.network.canTalk(from, to) || endpoint?.hung) {
      await this.scheduler.sleep(UNANSWERED_GIVE_UP_MS, signal);
      return failed;
    }
    if (!endpoint?.listening) return failed;
    await this.scheduler.sleep(this.network.peerDelayMs, signal);
    const live = this.endpoints(to);
    if (signal.aborted || !live?.listening || live.hung || !this.network.canTalk(from, to)) return failed;
    const value = answer(live);
    await this.scheduler.sleep(this.network.peerDelayMs, signal);
    return signal.aborted ? failed : value;
  }

  fetchStatus(from: string, apiUrl: string, signal: AbortSignal): Promise<unknown> {
    return this.call<unknown>(from, nodeOfApiUrl(apiUrl), signal, (e) => e.statusDocument(), null);
  }

  postFailsafe(
    from: string,
    apiUrl: string,
    payload: FailsafeHeartbeat,
    signal: AbortSignal,
  ): Promise<boolean> {
    return this.call(from, nodeOfApiUrl(apiUrl), signal, (e) => e.acceptFailsafe(payload), false);
  }
}
