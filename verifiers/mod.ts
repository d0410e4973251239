/**
 * Public surface of `verifiers/`: integer answers (the embedded families), math answers (GSM8K,
 * MATH, MATH500: extraction and equivalence under a time and size budget) and sandboxed code
 * execution (Python, JavaScript, TypeScript), plus the `verify math|code` command-line tool.
 *
 * The command-line tool lives in `verifiers/cli.ts` (loaded by `main.ts` only when asked for).
 *
 * @module
 */
export { checkIntegerAnswer, extractIntegerAnswer, type IntegerCheck } from "./integer.ts";
export {
  checkMathAnswer,
  extractAnswer,
  type MathCheck,
  type MathCheckOptions,
} from "./math/mod.ts";
export {
  CodeRequest,
  CodeStatus,
  CodeVerdict,
  DEFAULT_LIMITS as CODE_LIMITS,
  runCodeBatch,
  runCodeTests,
} from "./code/mod.ts";
