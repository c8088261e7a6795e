export { type LocalPostgres, startLocalPostgres } from './local-postgres.js';
export { longestWindow, type OutageWindow } from './outage-windows.js';
export type { LostWritesReport } from './verify.js';
export { timeUntilWritable, type WritableResult } from './writable.js';
export {
  monotonicNowMs,
  startWriter,
  type Writer,
  type WriterOptions,
  type WriterProgress,
  type WriterReport,
} from './writer.js';
