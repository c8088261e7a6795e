export * from './dcs.js';
export * from './errors.js';
export * from './kv.js';
