/** The public surface of @patroni/agent: the two command lines and the pieces main.ts wires together. */
export const packageName = '@patroni/agent';

export * from './config/index.js';
export { createDcs, DCS_PACKAGES, loadDcsFactory, type ModuleImporter } from './dcs-loader.js';
export { AgentError, AgentErrorCode, isAgentError } from './errors.js';
export {
  type AgentLogger,
  createLogging,
  type Logging,
  type LoggingOptions,
  levelFor,
} from './logging/logger.js';
export { type PatroniDeps, runPatroni } from './patroni-cli.js';
export { type PatronictlDeps, runPatronictl } from './patronictl-cli.js';
export { ROOT_REFUSAL, refuseRoot } from './root-check.js';
export { agentVersion } from './version.js';
