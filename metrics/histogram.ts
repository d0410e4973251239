/** Histograms of the edit-distance ratio between the two attempts. */
import type { EvalRecord } from "./records.ts";
import type { Histogram } from "./schemas.ts";
import { editRatios } from "./self_correction.ts";

/**
 * Bins values in [0, 1] into `bins` equal bins [i/bins, (i+1)/bins), the last one closed at 1.
 * `identical` counts exact zeros. Values outside [0, 1] are an error.
 */
export function ratioHistogram(values: readonly number[], bins = 10): Histogram {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new Error(`ratioHistogram: bins must be an integer >= 1, got ${bins}`);
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  const counts = new Array<number>(bins).fill(0);
  let identical = 0;
  for (const v of values) {
    if (!(v >= 0 && v <= 1)) throw new Error(`ratioHistogram: value ${v} is outside [0, 1]`);
    if (v === 0) identical++;
    counts[Math.min(bins - 1, Math.floor(v * bins))]++;
  }
  return { edges, counts, identical, n: values.length };
}

/** Histogram of levenshtein(t1, t2) / (|t1| + |t2|) over the records. */
export function editRatioHistogram(records: readonly EvalRecord[], bins = 10): Histogram {
  return ratioHistogram(editRatios(records), bins);
}
