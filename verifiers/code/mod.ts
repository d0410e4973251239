/**
 * Sandboxed code verification: runs candidate Python / JavaScript / TypeScript programs against
 * input/output or assert-style tests and returns a verdict decided by the parent process.
 */
export {
  CodeRequest,
  CodeStatus,
  CodeTests,
  CodeVerdict,
  DEFAULT_LIMITS,
  IoTest,
  Language,
  type SandboxLimits,
} from "./schema.ts";
export {
  type BatchOptions,
  mapOrdered,
  runCodeBatch,
  type RunCodeOptions,
  runCodeTests,
} from "./run_code_tests.ts";
export { detectIsolation, type IsolationMode } from "./sandbox_command.ts";
export {
  type KillReason,
  type ProcessLimits,
  type ProcessResult,
  type ProcessSpec,
  runLimitedProcess,
} from "./process_runner.ts";
export { jsonEqual } from "./verdict.ts";
