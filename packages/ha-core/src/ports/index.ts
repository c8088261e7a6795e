export * from './postgres.js';
export * from './status.js';
