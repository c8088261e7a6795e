/** The package's name, as published. */
export const packageName = '@patroni/dcs-exhibitor';

export { backends, createExhibitorKv, type ExhibitorStartOptions, STARTUP_RETRY_MS } from './backends.js';
export { type ExhibitorConfig, parseExhibitorConfig } from './config.js';
export { ExhibitorError, ExhibitorErrorCode, type ExhibitorErrorCodeValue } from './errors.js';
export { ExhibitorKv, type ExhibitorKvOptions } from './exhibitor-kv.js';
export { ExhibitorPoller, type ExhibitorPollerOptions, POLL_TIMEOUT_MS } from './exhibitor-poller.js';
