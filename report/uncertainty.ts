/**
 * The uncertainty band the claim rules use, combining both sources the project reports:
 * problem sampling (the bootstrap interval of the seed mean) and seed-to-seed spread.
 *
 * band(row, metric) = [min(CI.lo, lowest seed), max(CI.hi, highest seed)] around the seed mean:
 * a statement "holds" only if it holds over the whole bootstrap interval AND for every seed.
 *
 * diffBand(a, b, metric) is the band of mean_a − mean_b:
 * - paired, when the report data holds a comparison of the two rows (a joint bootstrap over the
 *   shared test problems): that interval, widened to cover ±2 standard errors of the difference
 *   of seed means (sqrt(sd_a²/n_a + sd_b²/n_b)) so seed spread still counts;
 * - otherwise unpaired: half-widths of both rows' bands on each side combined as sqrt(wa² + wb²)
 *   (treating the rows as independent; conservative when they share test problems, whose errors
 *   are then positively correlated).
 */
import type { MetricKey } from "../metrics/mod.ts";
import type { Comparison, MethodRow } from "./schema.ts";

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

/** A difference band, saying whether it came from a paired comparison. */
export interface DiffBand extends Band {
  paired: boolean;
}

/** The band of the difference a − b of one metric between two rows (paired when possible). */
export function diffBand(
  a: MethodRow,
  b: MethodRow,
  key: MetricKey,
  comparisons: readonly Comparison[] = [],
): DiffBand {
  const direct = comparisons.find((c) => c.a === a.id && c.b === b.id);
  const reverse = comparisons.find((c) => c.a === b.id && c.b === a.id);
  if (direct || reverse) {
    const iv = (direct ?? reverse)!.bootstrap.intervals[key];
    const ci = direct ? iv : { point: -iv.point, lo: -iv.hi, hi: -iv.lo };
    const sa = a.evaluation.aggregate[key], sb = b.evaluation.aggregate[key];
    const se = Math.sqrt((sa.std * sa.std) / sa.n + (sb.std * sb.std) / sb.n);
    return {
      point: ci.point,
      lo: Math.min(ci.lo, ci.point - 2 * se),
      hi: Math.max(ci.hi, ci.point + 2 * se),
      paired: true,
    };
  }
  const x = band(a, key), y = band(b, key);
  const point = x.point - y.point;
  return {
    point,
    lo: point - Math.hypot(x.point - x.lo, y.hi - y.point),
    hi: point + Math.hypot(x.hi - x.point, y.point - y.lo),
    paired: false,
  };
}
