export { type EtcdServer, startEtcd } from './etcd.js';
export { type EtcdCluster, type EtcdClusterMember, startEtcdCluster } from './etcd-cluster.js';
export { freePort, waitForPort } from './ports.js';
export { postgresBinDir, runningAsRoot } from './postgres-bin.js';
export { type ManagedProcess, type SpawnOptions, spawnManaged, waitUntil } from './process.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { makeTempDir } from './temp-dir.js';
export { fourLetterWord, startZooKeeper, type ZooKeeperServer } from './zookeeper.js';
