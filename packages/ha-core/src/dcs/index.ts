export * from './clock.js';
export * from './dcs.js';
export * from './errors.js';
export * from './kv.js';
export * from './kv-dcs.js';
