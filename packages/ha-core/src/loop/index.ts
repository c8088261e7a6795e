// The HA loop: executes the pure engine's effects through injected ports (STYLE.md 5-6).
export { ActionRunner } from './action-runner.js';
export { HaErrorCode, HaFatalError } from './errors.js';
export { HaLoop } from './ha-loop.js';
export type { HaLoopOptions, LoopTraceEvent, PeerClient, WatchdogPort } from './ports.js';
