/**
 * zod schemas of everything the metrics produce and the report reads back from disk. The TypeScript
 * types are inferred from these schemas, so the two cannot drift apart.
 */
import { z } from "zod";

const count = z.number().int().min(0);
const fraction = z.number().min(0).max(1);

/** Names of the fractional metrics, in report order. */
export const METRIC_KEYS = [
  "accT1",
  "accT2",
  "delta",
  "deltaIC",
  "deltaCI",
  "changedRate",
  "editRatioMean",
] as const;
/** One of the fractional metrics. */
export const MetricKey = z.enum(METRIC_KEYS);
/** One of the fractional metrics. */
export type MetricKey = z.infer<typeof MetricKey>;

/** A zod object with one `value` field per metric, in {@link METRIC_KEYS} order. */
export function perMetric<T extends z.ZodType>(value: T): z.ZodObject<{ [K in MetricKey]: T }> {
  const shape = Object.fromEntries(METRIC_KEYS.map((k) => [k, value])) as { [K in MetricKey]: T };
  return z.object(shape);
}

/** Integer counts over the evaluated problems. */
export const TransitionCounts = z.object({
  /** correct at attempt 1 */
  correctT1: count,
  /** correct at attempt 2 */
  correctT2: count,
  /** wrong → right */
  incorrectToCorrect: count,
  /** right → wrong */
  correctToIncorrect: count,
  /** right → right */
  correctToCorrect: count,
  /** wrong → wrong */
  incorrectToIncorrect: count,
  /** attempt 2's final answer differs from attempt 1's */
  changedAnswer: count,
});
/** Integer counts over the evaluated problems. */
export type TransitionCounts = z.infer<typeof TransitionCounts>;

/**
 * All metrics of one evaluated checkpoint. Fractions are of ALL n problems;
 * delta = deltaIC − deltaCI exactly; accT2 − accT1 equals it up to float rounding.
 */
export const SelfCorrectionMetrics = z.object({
  n: z.number().int().positive(),
  counts: TransitionCounts,
  ...perMetric(fraction).shape,
  delta: z.number().min(-1).max(1),
});
/** All metrics of one evaluated checkpoint. */
export type SelfCorrectionMetrics = z.infer<typeof SelfCorrectionMetrics>;

/** A point estimate with a confidence interval [lo, hi]. */
export const Interval = z.object({ point: z.number(), lo: z.number(), hi: z.number() });
/** A point estimate with a confidence interval [lo, hi]. */
export type Interval = z.infer<typeof Interval>;

/** One interval per metric. */
export const MetricIntervals = perMetric(Interval);
/** One interval per metric. */
export type MetricIntervals = z.infer<typeof MetricIntervals>;

/** A bootstrap result: the intervals and how they were made. */
export const BootstrapResult = z.object({
  level: z.number().gt(0).lt(1),
  resamples: z.number().int().positive(),
  seed: z.number().int(),
  /** "single": one record set; "joint": the same problems resampled for every set (paired by
   * problemId); "independent": each set resampled on its own. */
  pairing: z.enum(["single", "joint", "independent"]),
  intervals: MetricIntervals,
});
/** A bootstrap result: the intervals and how they were made. */
export type BootstrapResult = z.infer<typeof BootstrapResult>;

/** Mean, sample standard deviation (n − 1; 0 for one seed), min and max over seeds. */
export const Spread = z.object({
  mean: z.number(),
  std: z.number().min(0),
  min: z.number(),
  max: z.number(),
  n: z.number().int().positive(),
});
/** Mean, sample standard deviation, min and max over seeds. */
export type Spread = z.infer<typeof Spread>;

/** One spread per metric. */
export const SeedAggregate = perMetric(Spread);
/** One spread per metric. */
export type SeedAggregate = z.infer<typeof SeedAggregate>;

/** Metrics of a subset of problems (a level or a family). */
export const GroupMetrics = z.object({ key: z.string(), metrics: SelfCorrectionMetrics });
/** Metrics of a subset of problems (a level or a family). */
export type GroupMetrics = z.infer<typeof GroupMetrics>;

/**
 * Histogram of edit-distance ratios over [0, 1]: bins [e_i, e_{i+1}) with the last bin closed;
 * `identical` counts ratio exactly 0 (attempt 2 repeats attempt 1 verbatim; also in bin 0).
 */
export const Histogram = z.object({
  edges: z.array(z.number()).min(2),
  counts: z.array(count),
  identical: count,
  n: count,
}).refine((h) => h.counts.length === h.edges.length - 1, {
  message: "counts must have one entry per bin (edges.length - 1)",
});
/** Histogram of edit-distance ratios over [0, 1]. */
export type Histogram = z.infer<typeof Histogram>;

/** Everything measured for one checkpoint (one seed of one method). */
export const SeedEvaluation = z.object({
  seed: z.number().int(),
  metrics: SelfCorrectionMetrics,
  bootstrap: BootstrapResult,
  perLevel: z.array(GroupMetrics),
  perFamily: z.array(GroupMetrics),
  editHistogram: Histogram,
});
/** Everything measured for one checkpoint (one seed of one method). */
export type SeedEvaluation = z.infer<typeof SeedEvaluation>;

/** A method evaluated over several seeds: per seed, the spread, and the CI of the seed mean. */
export const MethodEvaluation = z.object({
  seeds: z.array(SeedEvaluation).min(1),
  aggregate: SeedAggregate,
  /** Bootstrap CI of the mean over seeds (problems resampled; paired across seeds when possible). */
  bootstrap: BootstrapResult,
  /** Per level: spread over seeds of each metric. */
  perLevel: z.array(z.object({ key: z.string(), n: count, aggregate: SeedAggregate })),
  /** Per family: spread over seeds of each metric. */
  perFamily: z.array(z.object({ key: z.string(), n: count, aggregate: SeedAggregate })),
});
/** A method evaluated over several seeds. */
export type MethodEvaluation = z.infer<typeof MethodEvaluation>;

/** One sample (of K) of a problem for the scaling curve: both attempts' answers and verdicts. */
export const ScalingSample = z.object({
  attempt1: z.object({ answer: z.string().nullable(), correct: z.boolean() }),
  attempt2: z.object({ answer: z.string().nullable(), correct: z.boolean() }),
});
/** One sample of a problem for the scaling curve. */
export type ScalingSample = z.infer<typeof ScalingSample>;

/** All samples of one problem for the scaling curve (temperature sampling, in sample order). */
export const ScalingRecord = z.object({
  problemId: z.string().min(1),
  samples: z.array(ScalingSample).min(1),
});
/** All samples of one problem for the scaling curve. */
export type ScalingRecord = z.infer<typeof ScalingRecord>;

/** One point of the scaling curve: accuracy at K for both strategies (same 2K model calls). */
export const ScalingPoint = z.object({
  k: z.number().int().positive(),
  /** majority vote over 2K first attempts */
  parallel: fraction,
  /** majority vote over the second attempts of K samples */
  sequential: fraction,
  /** disjoint groups of 2K samples averaged per problem for `parallel` (fewest over problems) */
  parallelGroups: z.number().int().positive(),
  /** disjoint groups of K samples averaged per problem for `sequential` (fewest over problems) */
  sequentialGroups: z.number().int().positive(),
  /** paired percentile-bootstrap intervals over problems (same resamples for all three) */
  ci: z.object({ parallel: Interval, sequential: Interval, difference: Interval }).optional(),
});
/** One point of the scaling curve. */
export type ScalingPoint = z.infer<typeof ScalingPoint>;
