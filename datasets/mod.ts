/**
 * Public surface of `datasets/`: the seeded PRNG, the embedded problem families and their
 * generator and noisy solver, and loaders for local files in public formats (GSM8K, MATH, MATH500,
 * MBPP, HumanEval).
 *
 * @module
 */
export { createRng, fnv1a32, type Rng, shortHash } from "./rng.ts";
export type { Family, Slip, Worked } from "./families/types.ts";
export {
  ANSWER_PREFIX,
  answerLine,
  FAMILIES,
  FAMILY_CHARSET,
  FAMILY_NAMES,
  type FamilyName,
  LENGTH_BOUNDS,
  LEVELS,
  renderSolution,
} from "./families/registry.ts";
export {
  type GenerateOptions,
  GenerateOptionsSchema,
  generateProblems,
  makeProblem,
  type Problem,
  ProblemSchema,
  solveProblem,
} from "./problems.ts";
export {
  type NoiseConfig,
  NoiseConfigSchema,
  type NoisyAttempt,
  noisySolve,
  secondGuessSolve,
  slipRate,
} from "./noisy.ts";
export { DatasetRowError, type LoadOptions, type LoadResult, readText } from "./loaders/common.ts";
export {
  type CodeRecord,
  CodeRecordSchema,
  type MathRecord,
  MathRecordSchema,
} from "./loaders/records.ts";
export { loadGsm8k, loadMath, loadMath500 } from "./loaders/math.ts";
export { loadHumanEval, loadMbpp } from "./loaders/code.ts";
