export type {
  AgentConfig,
  BasicAuth,
  BootstrapSettings,
  CtlSettings,
  LogField,
  LogLevelName,
  LogSettings,
  WatchdogSettings,
} from './agent-config.js';
export type { ConfigSource } from './config-source.js';
export { deepMerge, type Tree } from './deep-merge.js';
export { configFromEnv } from './env-config.js';
export { liveProblems } from './live-checks.js';
export {
  ctlSettings,
  type Env,
  type LoadConfigResult,
  loadConfig,
  logSettings,
  readLocalTree,
} from './load-config.js';
export { generateSampleConfig } from './sample-config.js';
export {
  minimalPostgresqlSchema,
  minimalRestApiSchema,
  minimalSectionSchemas,
  type SectionSchemas,
} from './section-schemas.js';
export { type ConfigProblem, DCS_SECTION_NAMES, formatProblem, validateLocalTree } from './validate.js';
export { dumpYaml } from './yaml-dump.js';
