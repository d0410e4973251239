/**
 * The engine's planning and running API in one place, for callers that want all of it: planning
 * (`plan.ts`: sessions, keys, staleness and its explanations), execution (`execute.ts`: locks,
 * atomic commit, records) and scheduling (`schedule.ts`: the one loop, in-process or children).
 */
export {
  diffList,
  ENGINE_DIR,
  explainStale,
  locate,
  type Located,
  openSession,
  planStage,
  planStatus,
  type Session,
  type SessionOptions,
  stageCode,
  stageCodeNow,
  stageKey,
  type StageState,
  type StageStatus,
} from "./plan.ts";
export { CorruptInput, Interrupted, runLocked, StageError } from "./execute.ts";
export { type RunOptions, type RunResult, runStages } from "./schedule.ts";
