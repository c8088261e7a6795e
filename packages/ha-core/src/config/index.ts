export * from './merge-patch.js';
export * from './parse-dynamic-config.js';
export { parseIgnoreSlots, parsePermanentSlots, rawPermanentSlots } from './slots.js';
export * from './timing.js';
export * from './types.js';
export * from './units.js';
