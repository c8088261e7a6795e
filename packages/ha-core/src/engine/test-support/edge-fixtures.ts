/** Clusters, states and summaries the engine's edge-case tables share. */
import { aCluster } from './cluster-builder.js';
import { NOW_MS } from './drive.js';

/** A primary holding the key with 20 s left. */
export const leaderState = { role: 'primary' as const, leaderExpiryMs: NOW_MS + 20_000 };
/** pg1 leads, pg2 replicates. */
export const two = () => aCluster().withLeader('pg1').withReplica('pg2');
/** pg1 led (its key expired); pg2 and pg3 replicate. */
export const unlocked3 = () => aCluster().withFormerLeader('pg1').withReplica('pg2').withReplica('pg3');
export const leaderMsg = 'no action. I am (pg1), the leader with the lock';
export const replicaMsg = 'no action. I am (pg2), a secondary, and following a leader (pg1)';
export const standbyConfig = { standby_cluster: { host: 'remote', port: 5433 } };
