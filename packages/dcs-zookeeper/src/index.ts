/** The package's name, as published. */
export const packageName = '@patroni/dcs-zookeeper';

export {
  assertSupported,
  backends,
  createZooKeeperKv,
  ZOOKEEPER_NON_LEADER_EXTRA_MS,
  zooKeeperDcs,
} from './backends.js';
export {
  type AclEntry,
  type AclPermission,
  formatIssues,
  normalizeHosts,
  parseZooKeeperConfig,
  type ZooKeeperConfig,
} from './config.js';
export { ZooKeeperError, ZooKeeperErrorCode, type ZooKeeperErrorCodeValue } from './errors.js';
export { ZooKeeperKv, type ZooKeeperKvOptions } from './zookeeper-kv.js';
