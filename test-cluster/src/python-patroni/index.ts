export {
  type PythonPatroniCluster,
  type PythonPatroniClusterOptions,
  startPythonPatroniCluster,
} from './cluster.js';
export {
  buildNodeConfig,
  type PatroniConfig,
  type PatroniDcsKind,
  type PatroniNodeSpec,
  type PatroniTiming,
  renderYaml,
} from './config.js';
export type { PythonPatroniNode } from './node.js';
export { isProcessAlive, livePostmasterPid } from './os-processes.js';
export type { CommandResult } from './patronictl.js';
export { pythonPatroniCommand } from './python-commands.js';
export type { ClusterMemberView } from './rest.js';
