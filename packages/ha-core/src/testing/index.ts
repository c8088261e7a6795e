/**
 * Test helpers that backends and other packages share: virtual time, the in-memory DCS with fault injection,
 * and the DCS conformance suite (which imports vitest, an optional peer dependency).
 */
export type { Clock } from '../dcs/clock.js';
export { systemClock } from '../dcs/clock.js';
export * from './conformance.js';
export * from './conformance-fixture.js';
export * from './manual-clock.js';
export * from './memory-fixture.js';
export * from './memory-kv.js';
export * from './memory-kv-store.js';
