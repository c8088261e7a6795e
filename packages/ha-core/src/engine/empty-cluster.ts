import { asLsn, type Cluster } from '../model/types.js';

/** A cluster with nothing in it (dcs.md §5 "Empty cluster"): the view before the first successful read. */
export const EMPTY_CLUSTER: Cluster = Object.freeze({
  initialize: null,
  config: null,
  leader: null,
  status: { lastLsn: asLsn(0), slots: null, retainSlots: [] },
  members: [],
  failover: null,
  sync: { version: null, leader: null, syncStandbys: [], quorum: 0 },
  history: null,
  failsafe: null,
  problems: [],
});
