/** The package's name, as published. */
export const packageName = '@patroni/dcs-etcd';

export { backends, createEtcdKv, type EtcdApi } from './backends.js';
export { type EtcdConfig, parseEtcdConfig } from './config.js';
export { type DiscoveryIo, realDiscoveryIo, type SrvRecord } from './endpoints.js';
export { EtcdError, EtcdErrorCode } from './errors.js';
export { RequestCounter } from './request-counter.js';
export { Etcd2Kv } from './v2/etcd2-kv.js';
export { Etcd3Kv } from './v3/etcd3-kv.js';
