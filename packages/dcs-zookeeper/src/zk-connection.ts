import type { Logger } from '@patroni/ha-core';
import { longToString, type ZkEvent, type ZkNativeClient, type ZkState, zk } from './native-client.js';

/** What the connection reports to the layers above (watches wake on these). */
export type ConnectionEvent = 'connected' | 'disconnected' | 'expired';

export interface ZkConnectionOptions {
  readonly hosts: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly loopWaitMs: number;
  readonly authData: readonly { readonly scheme: string; readonly credential: string }[];
  readonly logger: Logger;
}

/**
 * The listener key of child watches on `path` (data and existence watches use the path itself): znode paths
 * start with `/`, so the two never collide.
 */
export function childrenWatchKey(path: string): string {
  return `children:${path}`;
}

/** Delay between connection attempts once every server was tried (kazoo: max_delay 1 s). */
const SPIN_DELAY_MS = 1_000;

/**
 * One ZooKeeper session at a time. Owns the node-zookeeper-client instance, replaces it when the session
 * expires (kazoo does the same: a LOST session is followed by a new one), and dispatches znode watch
 * notifications to listeners by path. Requests are never queued while disconnected: `connectedClient()`
 * returns null then, and callers fail fast.
 */
export class ZkConnection {
  private client: ZkNativeClient | null = null;
  private hosts: readonly string[];
  private sessionTimeoutMs: number;
  private closed = false;
  private readTimeoutMs: number;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeat: { readonly client: ZkNativeClient; readonly sentAtMs: number } | null = null;
  private readonly stateListeners = new Set<(event: ConnectionEvent) => void>();
  private readonly pathListeners = new Map<string, Set<(event: ZkEvent) => void>>();
  /** One watcher function per path and client: the library dedups by identity, so watches never pile up. */
  private watchers = new Map<string, (event: ZkEvent) => void>();
  /** Incremented on every watch notification for a path (lets callers detect a change they missed). */
  private readonly changeCounts = new Map<string, number>();

  constructor(private readonly options: ZkConnectionOptions) {
    this.hosts = options.hosts;
    this.sessionTimeoutMs = options.sessionTimeoutMs;
    this.readTimeoutMs = Math.max(options.loopWaitMs - 2_000, 2_000);
  }

  /** The client when connected (requests go out now), else null. Starts the client on first use. */
  connectedClient(): ZkNativeClient | null {
    const client = this.ensureClient();
    return client !== null && client.getState().code === zk.State.SYNC_CONNECTED.code ? client : null;
  }

  /** Resolves true once connected, false after `timeoutMs`. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connectedClient() !== null) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.stateListeners.delete(listener);
        resolve(value);
      };
      const listener = (event: ConnectionEvent) => event === 'connected' && done(true);
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.stateListeners.add(listener);
    });
  }

  /**
   * The current session id (decimal, as `ephemeralOwner` reads), or null while not connected: a session we
   * cannot reach may already have expired on the server, so we do not vouch for it.
   */
  sessionId(): string | null {
    const client = this.client;
    if (client === null || client.getState().code !== zk.State.SYNC_CONNECTED.code) return null;
    const id = client.getSessionId();
    return id.equals(Buffer.alloc(8)) ? null : longToString(id);
  }

  /**
   * How long a request may go unanswered before the connection counts as dead: Patroni overrides kazoo's
   * read timeout with max(loop_wait - 2, 2) s; this client has none, so a heartbeat enforces it.
   */
  setLoopWait(loopWaitMs: number): void {
    this.readTimeoutMs = Math.max(loopWaitMs - 2_000, 2_000);
    if (this.heartbeatTimer !== null) this.startHeartbeat();
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.checkHeartbeat(), Math.max(250, this.readTimeoutMs / 4));
    this.heartbeatTimer.unref();
  }

  private checkHeartbeat(): void {
    const client = this.client;
    if (client === null || client.getState().code !== zk.State.SYNC_CONNECTED.code) {
      this.heartbeat = null;
      return;
    }
    const now = Date.now();
    if (this.heartbeat !== null && this.heartbeat.client === client) {
      if (now - this.heartbeat.sentAtMs <= this.readTimeoutMs) return;
      this.options.logger.warn('ZooKeeper did not answer within %d ms; reconnecting', this.readTimeoutMs);
      this.heartbeat = null;
      this.dropConnection();
      return;
    }
    const beat = { client, sentAtMs: now };
    this.heartbeat = beat;
    client.exists('/', undefined, () => {
      if (this.heartbeat === beat) this.heartbeat = null;
    });
  }

  sessionCredentials(): { id: Buffer; password: Buffer } | null {
    const client = this.connectedClient();
    return client === null ? null : { id: client.getSessionId(), password: client.getSessionPassword() };
  }

  onStateChange(listener: (event: ConnectionEvent) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onPathEvent(path: string, listener: (event: ZkEvent) => void): () => void {
    let set = this.pathListeners.get(path);
    if (set === undefined) {
      set = new Set();
      this.pathListeners.set(path, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * The watcher to pass to getData/exists for `path` (or to getChildren, with `childrenWatchKey(path)`) on
   * the current client.
   */
  watcherFor(path: string): (event: ZkEvent) => void {
    let watcher = this.watchers.get(path);
    if (watcher === undefined) {
      watcher = (event: ZkEvent) => {
        this.changeCounts.set(path, this.changeCount(path) + 1);
        for (const listener of [...(this.pathListeners.get(path) ?? [])]) listener(event);
      };
      this.watchers.set(path, watcher);
    }
    return watcher;
  }

  changeCount(path: string): number {
    return this.changeCounts.get(path) ?? 0;
  }

  /** A new session timeout ends the session (ZooKeeper negotiates it once), as Patroni's set_ttl does. */
  setSessionTimeout(sessionTimeoutMs: number): void {
    if (sessionTimeoutMs === this.sessionTimeoutMs) return;
    this.sessionTimeoutMs = sessionTimeoutMs;
    if (this.client !== null) this.restartSession();
  }

  /** Ends the session (our ephemeral znodes vanish) and opens a new one. */
  restartSession(): void {
    void this.dropClient(false);
    this.ensureClient();
  }

  /**
   * Points the client at a new server list without ending the session (kazoo's set_hosts): the next
   * reconnect uses it, and the current connection is dropped when its server is no longer listed.
   */
  setHosts(hosts: readonly string[]): void {
    this.hosts = hosts;
    const client = this.client;
    if (client === null) return;
    const manager = client.connectionManager;
    manager.servers = hosts.map(parseHost);
    manager.nextServerIndex = 0;
    manager.serverAttempts = 0;
    const socket = manager.socket;
    const current = socket ? `${socket.remoteAddress}:${socket.remotePort}` : null;
    if (current !== null && !hosts.includes(current)) socket?.destroy();
  }

  currentHosts(): readonly string[] {
    return this.hosts;
  }

  /**
   * Drops the TCP connection (not the session) when a request got no answer in time: the client then
   * reconnects, possibly to another server. Patroni gets the same from kazoo's shortened read timeout.
   */
  dropConnection(): void {
    this.client?.connectionManager.socket?.destroy();
  }

  /** Resolves once the server acknowledged the end of the session (at most ~2 s), or at once with keepSession. */
  close(options: { keepSession: boolean }): Promise<void> {
    this.closed = true;
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    return this.dropClient(options.keepSession);
  }

  private ensureClient(): ZkNativeClient | null {
    if (this.closed) return null;
    if (this.client !== null) return this.client;
    const client = zk.createClient(this.hosts.join(','), {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: SPIN_DELAY_MS,
      retries: 0,
    });
    for (const { scheme, credential } of this.options.authData) {
      client.addAuthInfo(scheme, Buffer.from(credential, 'utf8'));
    }
    client.on('state', (state) => this.onClientState(client, state));
    this.client = client;
    this.watchers = new Map();
    if (this.heartbeatTimer === null) this.startHeartbeat();
    client.connect();
    return client;
  }

  private onClientState(client: ZkNativeClient, state: ZkState): void {
    if (client !== this.client) return;
    const { logger } = this.options;
    if (state.code === zk.State.SYNC_CONNECTED.code) {
      logger.info('Connected to ZooKeeper, session 0x%s', client.getSessionId().toString('hex'));
      this.emit('connected');
    } else if (state.code === zk.State.DISCONNECTED.code) {
      logger.warn('Connection to ZooKeeper lost; the session survives for %d ms', this.sessionTimeoutMs);
      this.emit('disconnected');
    } else if (state.code === zk.State.EXPIRED.code) {
      logger.warn('ZooKeeper session expired: our ephemeral znodes (leader, member) are gone');
      this.replaceDeadClient();
      this.emit('expired');
    } else if (state.code === zk.State.AUTH_FAILED.code) {
      logger.error('ZooKeeper authentication failed (check auth_data)');
      this.replaceDeadClient();
      this.emit('expired');
    }
  }

  private replaceDeadClient(): void {
    void this.dropClient(true);
    // A new session at once: the HA loop must find out on its next write that the old one is gone.
    this.ensureClient();
  }

  private dropClient(keepSession: boolean): Promise<void> {
    const client = this.client;
    if (client === null) return Promise.resolve();
    this.client = null; // its state events are ignored from now on (onClientState checks the instance)
    const connected = client.getState().code === zk.State.SYNC_CONNECTED.code;
    if (keepSession || !connected) {
      // Leave the session to time out on the server (a closeSession cannot be sent while disconnected
      // anyway): mark the connection as closing so the library does not reconnect when the socket goes.
      const manager = client.connectionManager as unknown as { setState(code: number): void };
      manager.setState(CLOSING_STATE);
      client.connectionManager.socket?.destroy();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CLOSE_WAIT_MS);
      client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.close();
    });
  }

  private emit(event: ConnectionEvent): void {
    for (const listener of [...this.stateListeners]) listener(event);
  }
}

/** How long close() waits for the server to confirm the end of the session. */
const CLOSE_WAIT_MS = 2_000;

/** node-zookeeper-client's internal ConnectionManager state CLOSING. */
const CLOSING_STATE = -1;

function parseHost(hostPort: string): { host: string; port: number } {
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(hostPort.slice(colon + 1)) };
}
