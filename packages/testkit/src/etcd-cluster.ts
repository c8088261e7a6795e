import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ManagedProcess, spawnManaged, waitUntil } from './process.js';
import { makeTempDir } from './temp-dir.js';

export interface EtcdClusterMember {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly process: ManagedProcess;
  /** Stops this member (data kept); `restart()` brings it back into the cluster. */
  pause(): Promise<void>;
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdClusterMember[];
  /** All client endpoints. */
  readonly endpoints: readonly string[];
  stop(): Promise<void>;
}

/** Starts an n-member etcd cluster (v2 enabled) on free loopback ports in one temp dir. */
export async function startEtcdCluster(size: number): Promise<EtcdCluster> {
  const dir = await makeTempDir('etcd-cluster');
  const nodes: { name: string; clientPort: number; peer: string; endpoint: string }[] = [];
  for (let i = 1; i <= size; i++) {
    const clientPort = await freePort();
    const peerPort = await freePort();
    nodes.push({
      name: `n${i}`,
      clientPort,
      peer: `http://127.0.0.1:${peerPort}`,
      endpoint: `http://127.0.0.1:${clientPort}`,
    });
  }
  const initialCluster = nodes.map((n) => `${n.name}=${n.peer}`).join(',');
  const members = nodes.map((node) => {
    const args = [
      `--name=${node.name}`,
      `--data-dir=${join(dir.path, node.name)}`,
      `--listen-client-urls=${node.endpoint}`,
      `--advertise-client-urls=${node.endpoint}`,
      `--listen-peer-urls=${node.peer}`,
      `--initial-advertise-peer-urls=${node.peer}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      '--enable-v2=true',
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--log-level=warn',
    ];
    const launch = () =>
      spawnManaged('etcd', args, {
        logFile: join(dir.path, `${node.name}.log`),
        env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' },
      });
    let proc = launch();
    const member: EtcdClusterMember = {
      name: node.name,
      endpoint: node.endpoint,
      clientPort: node.clientPort,
      get process() {
        return proc;
      },
      async pause() {
        await proc.stop();
      },
      async restart() {
        if (proc.isRunning()) await proc.stop();
        proc = launch();
        await waitUntil(
          `etcd ${node.name} healthy`,
          async () => (await fetch(`${node.endpoint}/health`)).ok,
          20_000,
        );
      },
    };
    return member;
  });
  // Members only report healthy once a quorum has elected a leader.
  await Promise.all(
    members.map((m) =>
      waitUntil(`etcd ${m.name} healthy`, async () => (await fetch(`${m.endpoint}/health`)).ok, 30_000),
    ),
  );
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    async stop() {
      await Promise.all(members.map((m) => m.process.stop()));
      await dir.remove();
    },
  };
}
