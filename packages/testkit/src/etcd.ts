import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ManagedProcess, spawnManaged, waitUntil } from './process.js';
import { makeTempDir } from './temp-dir.js';

export interface EtcdServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly clientPort: number;
  /** `http://127.0.0.1:<peer port>` (etcd serves `/members` there). */
  readonly peerUrl: string;
  readonly process: ManagedProcess;
  /** Stops the server (data dir kept) so a test can start it again with `restart()`. */
  pause(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes its data dir. */
  stop(): Promise<void>;
}

/** Starts a single-node etcd (Debian's etcd-server) on free loopback ports, v2 API enabled. */
export async function startEtcd(options: { enableV2?: boolean } = {}): Promise<EtcdServer> {
  const dir = await makeTempDir('etcd');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=n1',
    `--data-dir=${join(dir.path, 'data')}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=n1=${peer}`,
    `--enable-v2=${options.enableV2 ?? true}`,
    '--log-level=warn',
  ];
  const launch = async () => {
    const proc = spawnManaged('etcd', args, {
      logFile: join(dir.path, 'etcd.log'),
      env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' },
    });
    await waitUntil(`etcd on ${endpoint}`, async () => (await fetch(`${endpoint}/health`)).ok, 15_000);
    return proc;
  };
  let proc = await launch();
  return {
    endpoint,
    clientPort,
    peerUrl: peer,
    get process() {
      return proc;
    },
    async pause() {
      await proc.stop();
    },
    async restart() {
      if (proc.isRunning()) await proc.stop();
      proc = await launch();
    },
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
