/** What every handler gets: the status source, the agent, response headers, access control, clock and logger. */
import type { AgentCommands, Logger, PublishedStatus } from '@patroni/ha-core';
import type { AccessControl } from './access.js';
import type { RestReply, RestRequest } from './exchange.js';
import type { QueryParams } from './health.js';
import type { ResponseHeaders } from './responses.js';
import type { StatusSource } from './status-source.js';

export interface HandlerContext {
  readonly source: StatusSource;
  readonly commands: AgentCommands;
  readonly getStatus: () => PublishedStatus;
  readonly headers: ResponseHeaders;
  readonly access: AccessControl;
  readonly logger: Logger;
  readonly clock: () => number;
}

export interface RoutedRequest {
  readonly method: string;
  /** Path without the query string, as sent (`/replica`). */
  readonly path: string;
  readonly query: QueryParams;
  readonly request: RestRequest;
  readonly reply: RestReply;
}

export type Handler = (ctx: HandlerContext, req: RoutedRequest) => Promise<unknown> | unknown;

/** Splits the request target; query names keep their first non-empty value (Python `parse_qs`). */
export function splitTarget(url: string): { path: string; query: QueryParams } {
  const mark = url.indexOf('?');
  let path = mark === -1 ? url : url.slice(0, mark);
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      path = `/${path}`;
    }
  }
  const query = new Map<string, string>();
  if (mark !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) {
      if (value !== '' && !query.has(name)) query.set(name, value);
    }
  }
  return { path, query };
}
