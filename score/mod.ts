/**
 * SCoRe itself, independent of the engine: the two-attempt transcript format, per-attempt rewards
 * and RLOO advantages, the on-policy RL loop, the supervised baselines' data, rollouts and
 * evaluation decoding, and the task abstraction over embedded and public problem sets with the
 * verifier of each kind (`verify.ts`).
 *
 * Stage modules import the specific files they use rather than this module, on purpose: a stage's
 * cache key covers exactly the code it reaches, so editing `rl.ts` does not invalidate `base`.
 * Everything else (notebooks, tests, tools) imports from here.
 *
 * @module
 */
export * from "./transcript.ts";
export * from "./rewards.ts";
export * from "./task.ts";
export * from "./verify.ts";
export * from "./io.ts";
export * from "./rollouts.ts";
export * from "./sft.ts";
export * from "./generate.ts";
export * from "./supervised.ts";
export * from "./epochs.ts";
export * from "./evaluate.ts";
export * from "./rl.ts";
export * from "./policy.ts";
export * from "./runtime.ts";
