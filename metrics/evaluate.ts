/**
 * The one-call evaluation bundle of a checkpoint (one seed). The bundle of a method over its seeds
 * is in `method.ts`.
 */
import { bootstrapMetrics, type BootstrapOptions } from "./bootstrap.ts";
import { breakdownByFamily, breakdownByLevel } from "./breakdown.ts";
import { editRatioHistogram } from "./histogram.ts";
import type { EvalRecord } from "./records.ts";
import type { SeedEvaluation } from "./schemas.ts";
import { selfCorrectionMetrics } from "./self_correction.ts";

/** Options of the bundles: bootstrap settings and the number of histogram bins (default 10). */
export interface EvaluateOptions {
  bootstrap?: BootstrapOptions;
  histogramBins?: number;
}

/** Metrics, bootstrap intervals, per-level and per-family breakdown and edit histogram of one seed. */
export function evaluateSeed(
  seed: number,
  records: readonly EvalRecord[],
  opts: EvaluateOptions = {},
): SeedEvaluation {
  if (records.length === 0) {
    throw new Error(`evaluateSeed: seed ${seed} has no evaluation records`);
  }
  return {
    seed,
    metrics: selfCorrectionMetrics(records),
    bootstrap: bootstrapMetrics(records, opts.bootstrap),
    perLevel: breakdownByLevel(records),
    perFamily: breakdownByFamily(records),
    editHistogram: editRatioHistogram(records, opts.histogramBins ?? 10),
  };
}
