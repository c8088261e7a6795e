/**
 * The simulated network. Nodes talk to the DCS and to each other's REST API and Postgres. Faults: a node cut
 * off from the DCS (both ways, or only the answers lost so writes still land), slow DCS answers, one-way cuts
 * between nodes, and a delay on every node-to-node message.
 */
export type DcsLink =
  | { readonly kind: 'ok' }
  | { readonly kind: 'cut' }
  /** Requests reach the DCS and are applied; answers are lost. */
  | { readonly kind: 'answers-lost' }
  | { readonly kind: 'slow'; readonly delayMs: number };

export const DCS_OK: DcsLink = { kind: 'ok' };

export class Network {
  private readonly dcs = new Map<string, DcsLink>();
  /** `from>to`: messages from `from` to `to` are dropped. */
  private readonly cuts = new Set<string>();
  /** One-way latency of node-to-node messages. */
  peerDelayMs = 5;

  dcsLink(node: string): DcsLink {
    return this.dcs.get(node) ?? DCS_OK;
  }

  setDcsLink(node: string, link: DcsLink): void {
    if (link.kind === 'ok') this.dcs.delete(node);
    else this.dcs.set(node, link);
  }

  cut(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
  }

  uncut(from: string, to: string): void {
    this.cuts.delete(`${from}>${to}`);
  }

  /** Messages from `from` arrive at `to`. */
  canSend(from: string, to: string): boolean {
    return !this.cuts.has(`${from}>${to}`);
  }

  /** A request/response exchange (HTTP, a Postgres connection) works only if both directions do. */
  canTalk(a: string, b: string): boolean {
    return this.canSend(a, b) && this.canSend(b, a);
  }

  isHealthy(): boolean {
    return this.dcs.size === 0 && this.cuts.size === 0;
  }

  heal(): void {
    this.dcs.clear();
    this.cuts.clear();
  }

  describe(): string {
    const parts = [...this.dcs.entries()].map(
      ([node, link]) => `${node}~dcs:${link.kind}${link.kind === 'slow' ? `(${link.delayMs}ms)` : ''}`,
    );
    return [...parts, ...[...this.cuts].map((c) => c.replace('>', '-x->'))].join(' ') || 'healthy';
  }
}
