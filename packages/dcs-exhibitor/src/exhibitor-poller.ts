import { type Infer, type Logger, s } from '@patroni/ha-core';
import { httpGet } from './http-get.js';

/** Patroni's timeout for one `cluster/list` request. */
export const POLL_TIMEOUT_MS = 3_100;

const clusterListSchema = s.object({
  servers: s.array(s.string().min(1)).min(1),
  port: s.coerceNumber().int().min(1).max(65535),
});

export interface ExhibitorPollerOptions {
  readonly hosts: readonly string[];
  readonly port: number;
  readonly logger: Logger;
  /** Order in which to try hosts; random by default (tests pass identity). */
  readonly shuffle?: <T>(items: readonly T[]) => T[];
}

function randomOrder<T>(items: readonly T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/**
 * Asks Exhibitor for the ZooKeeper ensemble (dcs.md §7.5): `GET /exhibitor/v1/cluster/list` on the
 * last-known servers first, then the configured hosts, each in random order, first answer wins.
 */
export class ExhibitorPoller {
  private knownServers: readonly string[] = [];
  private zookeeperHosts: readonly string[] = [];
  private readonly shuffle: <T>(items: readonly T[]) => T[];

  constructor(private readonly options: ExhibitorPollerOptions) {
    this.shuffle = options.shuffle ?? randomOrder;
  }

  /** `host:port` of every ZooKeeper server, sorted; empty before the first successful poll. */
  hosts(): readonly string[] {
    return this.zookeeperHosts;
  }

  /** Polls once; true when an Exhibitor answered (the host list may or may not have changed). */
  async poll(): Promise<boolean> {
    const candidates = [...this.shuffle(this.knownServers), ...this.shuffle(this.options.hosts)];
    for (const host of candidates) {
      const answer = await this.ask(host);
      if (answer === null) continue;
      this.knownServers = answer.servers;
      this.zookeeperHosts = [...answer.servers].sort().map((server) => `${server}:${answer.port}`);
      return true;
    }
    return false;
  }

  private async ask(host: string): Promise<Infer<typeof clusterListSchema> | null> {
    const url = `http://${host}:${this.options.port}/exhibitor/v1/cluster/list`;
    try {
      const response = await httpGet(url, POLL_TIMEOUT_MS);
      if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status}`);
      const parsed = clusterListSchema.safeParse(JSON.parse(response.body));
      if (!parsed.success)
        throw new Error(`unexpected answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return parsed.data;
    } catch (error) {
      this.options.logger.error(
        'Request to %s failed: %s',
        url,
        error instanceof Error ? error.message : error,
      );
      return null;
    }
  }
}
