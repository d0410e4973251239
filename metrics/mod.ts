/**
 * Public surface of the evaluation maths: records, self-correction metrics, breakdowns, bootstrap
 * intervals, across-seed aggregation, edit-ratio histograms and the inference-time scaling curve.
 * Pure TypeScript; no tfjs.
 */
export {
  Attempt,
  describeZodError,
  EvalRecord,
  formatIssuePath,
  parseEvalRecords,
  parseEvalRecordsJsonl,
} from "./records.ts";
export {
  BootstrapResult,
  GroupMetrics,
  Histogram,
  Interval,
  MethodEvaluation,
  METRIC_KEYS,
  MetricIntervals,
  MetricKey,
  ScalingPoint,
  ScalingRecord,
  ScalingSample,
  SeedAggregate,
  SeedEvaluation,
  SelfCorrectionMetrics,
  Spread,
  TransitionCounts,
} from "./schemas.ts";
export { editDistanceRatio, levenshtein } from "./levenshtein.ts";
export {
  answerChanged,
  countTransitions,
  deltaIdentityViolation,
  editRatios,
  metricsFromCounts,
  selfCorrectionMetrics,
  transitionRates,
} from "./self_correction.ts";
export type { AttemptPair } from "./self_correction.ts";
export { breakdownByFamily, breakdownByLevel, sortGroupKeys } from "./breakdown.ts";
export {
  bootstrapDifference,
  bootstrapMeanIntervals,
  bootstrapMeanOverSeeds,
  bootstrapMetrics,
  type BootstrapOptions,
  quantileSorted,
} from "./bootstrap.ts";
export { aggregateSeeds, spread } from "./aggregate.ts";
export { editRatioHistogram, ratioHistogram } from "./histogram.ts";
export { majorityVoteCorrect, scalingCurve, type ScalingOptions, type Vote } from "./scaling.ts";
export { type EvaluateOptions, evaluateSeed } from "./evaluate.ts";
export { evaluateMethod } from "./method.ts";
export { createRng, type Rng } from "./rng.ts";
export { parseWithSource } from "./parse.ts";
