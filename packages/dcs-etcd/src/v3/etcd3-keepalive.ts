import type { Etcd3 } from 'etcd3';
import type { AttemptOptions } from './etcd3-rpc.js';
import { closeStream } from './etcd3-streams.js';

type KeepAliveStream = Awaited<ReturnType<Etcd3['leaseClient']['leaseKeepAlive']>>;

interface Pending {
  resolve(ttlSeconds: number): void;
  reject(error: Error): void;
}

/**
 * Lease keep-alives on one long-lived LeaseKeepAlive stream (as etcd's own clients do), one request at a
 * time: opening a gRPC stream per keep-alive costs more than the keep-alive itself. A timeout, error or
 * end closes the stream; the next keep-alive opens a new one (on the current client).
 */
export class LeaseKeepAlive {
  #stream: KeepAliveStream | null = null;
  #client: Etcd3 | null = null;
  #pending: Pending | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  /** One round trip: the TTL etcd reports in seconds (0 = the lease is gone). */
  keepAlive(client: Etcd3, leaseId: string, options: AttemptOptions): Promise<number> {
    const run = this.#queue.then(() => this.#roundTrip(client, leaseId, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#reset(new Error('lease keep-alive stream closed'));
  }

  async #roundTrip(client: Etcd3, leaseId: string, options: AttemptOptions): Promise<number> {
    const stream = await this.#open(client);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        // "request timed out" is transient (etcd3-errors.ts): another attempt follows within retry_timeout.
        () => this.#reset(new Error('lease keep-alive request timed out')),
        Math.max(1, options.deadline.getTime() - Date.now()),
      );
      this.#pending = {
        resolve: (ttl) => {
          clearTimeout(timer);
          resolve(ttl);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      stream.write({ ID: leaseId });
    });
  }

  async #open(client: Etcd3): Promise<KeepAliveStream> {
    if (this.#stream !== null && this.#client === client) return this.#stream;
    this.#reset(new Error('lease keep-alive stream replaced'));
    const stream = await client.leaseClient.leaseKeepAlive();
    this.#stream = stream;
    this.#client = client;
    stream.on('data', (response: { TTL: string }) => {
      const pending = this.#pending;
      this.#pending = null;
      pending?.resolve(Number(response.TTL));
    });
    // Our own close raises a CANCELLED error: by then the stream is no longer ours and this ignores it.
    stream.on('error', (error: Error) => {
      if (this.#stream === stream) this.#reset(error);
    });
    stream.on('end', () => {
      if (this.#stream === stream) this.#reset(new Error('lease keep-alive stream ended without an answer'));
    });
    return stream;
  }

  #reset(error: Error): void {
    const stream = this.#stream;
    const pending = this.#pending;
    this.#stream = null;
    this.#client = null;
    this.#pending = null;
    if (stream !== null) closeStream(stream);
    pending?.reject(error);
  }
}
