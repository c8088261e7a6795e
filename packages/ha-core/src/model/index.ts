export * from './cluster-queries.js';
export * from './lsn.js';
export * from './parse-cluster.js';
export { parsePatroniVersion } from './parse-member.js';
export * from './serialize.js';
export * from './slot-name.js';
export * from './tags.js';
export * from './types.js';
export * from './value-parsing.js';
