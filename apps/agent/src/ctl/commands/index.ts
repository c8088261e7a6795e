import type { CommandSpec, ParsedCommand } from '../args.js';
import type { CtlContext } from '../context.js';
import {
  demoteClusterSpec,
  promoteClusterSpec,
  removeSpec,
  runDemoteCluster,
  runPromoteCluster,
  runRemove,
} from './cluster-admin.js';
import { editConfigSpec, runEditConfig, runShowConfig, showConfigSpec } from './config-commands.js';
import { dsnSpec, historySpec, runDsn, runHistory, runVersion, versionSpec } from './info-commands.js';
import { listSpec, runList, runTopology, topologySpec } from './list.js';
import {
  flushSpec,
  reinitSpec,
  reloadSpec,
  restartSpec,
  runFlush,
  runReinit,
  runReload,
  runRestart,
} from './member-actions.js';
import { pauseSpec, resumeSpec, runPause, runResume } from './pause.js';
import { querySpec, runQuery } from './query.js';
import { failoverSpec, runFailover, runSwitchover, switchoverSpec } from './switchover.js';

export interface CtlCommand {
  readonly spec: CommandSpec;
  /** Resolves to the exit code; throws `ctlError` for `Error: …` (exit 1). */
  run(ctx: CtlContext, parsed: ParsedCommand): Promise<number>;
}

/** Every sub-command, in the order `--help` lists them. */
export const COMMANDS: readonly CtlCommand[] = [
  { spec: demoteClusterSpec, run: runDemoteCluster },
  { spec: dsnSpec, run: runDsn },
  { spec: editConfigSpec, run: runEditConfig },
  { spec: failoverSpec, run: runFailover },
  { spec: flushSpec, run: runFlush },
  { spec: historySpec, run: runHistory },
  { spec: listSpec, run: runList },
  { spec: pauseSpec, run: runPause },
  { spec: promoteClusterSpec, run: runPromoteCluster },
  { spec: querySpec, run: runQuery },
  { spec: reinitSpec, run: runReinit },
  { spec: reloadSpec, run: runReload },
  { spec: removeSpec, run: runRemove },
  { spec: restartSpec, run: runRestart },
  { spec: resumeSpec, run: runResume },
  { spec: showConfigSpec, run: runShowConfig },
  { spec: switchoverSpec, run: runSwitchover },
  { spec: topologySpec, run: runTopology },
  { spec: versionSpec, run: runVersion },
];
