// The pure HA engine: one cycle as a generator of effects (STYLE.md 1). No IO, clocks or randomness here.
export type { ActionKind, ActionWork, DemoteMode, StopSpec } from './actions.js';
export { FatalCycleError } from './bootstrap.js';
export { type CommandPlan, planReinitialize } from './commands.js';
export { runCycle } from './cycle.js';
export {
  type ActionStartResult,
  type Effect,
  EffectFailure,
  type EffectKind,
  type EffectOf,
  type EffectResult,
  type EffectResults,
  type LoadedCluster,
  type PeerTarget,
  type Step,
} from './effects.js';
export { EMPTY_CLUSTER } from './empty-cluster.js';
export { type HistoryInput, historyLines } from './history.js';
export { InvariantError, invariant } from './invariant.js';
export { type PeerStatus, parsePeerStatus } from './peer-status.js';
export { isValidSysid } from './pg-view.js';
export {
  parseQuorumGuc,
  planQuorumSteps,
  type QuorumDcs,
  type QuorumGuc,
  type QuorumStep,
  quorumPairSafe,
  quorumTarget,
  renderQuorumGuc,
} from './quorum-commit.js';
export { restartFilterFailure } from './scheduled-restart.js';
export { desiredSlots, type SlotInput, type SlotPlan } from './slots.js';
export {
  checkSwitchoverCandidates,
  checkSwitchoverRequest,
  type SwitchoverCheck,
  type SwitchoverRequestInput,
} from './switchover-request.js';
export {
  pickSyncStandbys,
  renderSynchronousStandbyNames,
  type SyncPick,
  type SyncPickInput,
} from './sync-standbys.js';
export {
  type ActionResult,
  type AgentRole,
  type CycleInput,
  type CycleOutcome,
  type FinishedAction,
  type HaState,
  initialHaState,
  type LocalSettings,
  type ReceivedFailsafe,
  type RewindState,
  type RunningAction,
  type ScheduledRestart,
  type WatchdogMode,
} from './types.js';
export { REMOTE_MEMBER_NAME } from './upstream.js';
