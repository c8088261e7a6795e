import { createRequire } from 'node:module';

/**
 * The slice of node-zookeeper-client 1.1.3 this package uses, typed here because the library ships no types.
 * Kept private to the package: nothing in the public surface mentions these types.
 */

export interface ZkStat {
  readonly mzxid: Buffer;
  readonly version: number;
  readonly ephemeralOwner: Buffer;
  readonly numChildren: number;
}

export interface ZkException extends Error {
  getCode(): number;
  readonly code: number;
}

export interface ZkEvent {
  getType(): number;
  getPath(): string;
}

export interface ZkState {
  readonly name: string;
  readonly code: number;
}

export interface ZkId {
  readonly scheme: string;
  readonly id: string;
}
export type ZkAcl = { readonly permission: number; readonly id: ZkId };

type Callback<T> = (error: ZkException | null, result: T) => void;

export interface ZkNativeClient {
  connect(): void;
  close(): void;
  getState(): ZkState;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  addAuthInfo(scheme: string, auth: Buffer): void;
  on(event: 'state', listener: (state: ZkState) => void): void;
  once(event: 'disconnected', listener: () => void): void;
  create(path: string, data: Buffer, acls: ZkAcl[], mode: number, callback: Callback<string>): void;
  remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
  setData(path: string, data: Buffer, version: number, callback: Callback<ZkStat>): void;
  getData(
    path: string,
    watcher: ((event: ZkEvent) => void) | undefined,
    callback: (error: ZkException | null, data: Buffer | undefined, stat: ZkStat) => void,
  ): void;
  exists(
    path: string,
    watcher: ((event: ZkEvent) => void) | undefined,
    callback: Callback<ZkStat | null>,
  ): void;
  getChildren(
    path: string,
    watcher: ((event: ZkEvent) => void) | undefined,
    callback: Callback<string[]>,
  ): void;
  /** Internal of 1.1.3, used to change the server list without losing the session (kazoo's set_hosts). */
  readonly connectionManager: ZkConnectionManagerInternals;
}

export interface ZkConnectionManagerInternals {
  servers: { host: string; port: string | number }[];
  nextServerIndex: number;
  serverAttempts: number;
  socket?: { destroy(): void; remoteAddress?: string; remotePort?: number };
}

export interface ZkModule {
  createClient(
    connectString: string,
    options: {
      sessionTimeout: number;
      spinDelay: number;
      retries: number;
      sessionId?: Buffer;
      sessionPassword?: Buffer;
    },
  ): ZkNativeClient;
  readonly ACL: new (permission: number, id: ZkId) => ZkAcl;
  readonly Id: new (scheme: string, id: string) => ZkId;
  readonly Permission: Readonly<Record<'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ADMIN' | 'ALL', number>>;
  readonly CreateMode: Readonly<{ PERSISTENT: number; EPHEMERAL: number }>;
  readonly State: Readonly<Record<'SYNC_CONNECTED' | 'DISCONNECTED' | 'EXPIRED' | 'AUTH_FAILED', ZkState>>;
  readonly Exception: Readonly<
    Record<
      'NO_NODE' | 'NODE_EXISTS' | 'BAD_VERSION' | 'NOT_EMPTY' | 'CONNECTION_LOSS' | 'SESSION_EXPIRED',
      number
    >
  >;
}

const require = createRequire(import.meta.url);

/** The library, loaded once (it is CommonJS). */
export const zk = require('node-zookeeper-client') as ZkModule;

/** ZooKeeper's 64-bit ids (session ids, zxids) as decimal strings, signed like kazoo reads them. */
export function longToString(value: Buffer): string {
  return value.readBigInt64BE(0).toString();
}

export function isZkException(error: unknown, code: number): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { getCode?: unknown }).getCode === 'function' &&
    (error as ZkException).getCode() === code
  );
}
