/**
 * The uncertainty band the claim rules use, combining both sources the project reports:
 * problem sampling (the bootstrap interval of the seed mean) and seed-to-seed spread.
 *
 * band(row, metric) = [min(CI.lo, lowest seed), max(CI.hi, highest seed)] around the seed mean:
 * a statement "holds" only if it holds over the whole bootstrap interval AND for every seed.
 *
 * diffBand(a, b, metric) is the band of mean_a − mean_b, with half-widths on each side combined as
 * sqrt(wa² + wb²) (the rows are treated as independent estimates; conservative when they share test
 * problems, which makes their errors positively correlated).
 */
import type { MetricKey } from "../metrics/mod.ts";
import type { MethodRow } from "./schema.ts";

/** A point estimate with a lower and an upper bound. */
export interface Band {
  point: number;
  lo: number;
  hi: number;
}

/** The band of one metric of one row (bootstrap CI of the seed mean ∪ every seed's value). */
export function band(row: MethodRow, key: MetricKey): Band {
  const agg = row.evaluation.aggregate[key];
  const ci = row.evaluation.bootstrap.intervals[key];
  return {
    point: agg.mean,
    lo: Math.min(ci.lo, agg.min, agg.mean),
    hi: Math.max(ci.hi, agg.max, agg.mean),
  };
}

/** The band of the difference a − b of one metric between two rows. */
export function diffBand(a: MethodRow, b: MethodRow, key: MetricKey): Band {
  const x = band(a, key), y = band(b, key);
  const point = x.point - y.point;
  return {
    point,
    lo: point - Math.hypot(x.point - x.lo, y.hi - y.point),
    hi: point + Math.hypot(x.hi - x.point, y.point - y.lo),
  };
}
