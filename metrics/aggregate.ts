/** Aggregation of per-seed metrics: mean, sample std, min and max of every metric. */
import {
  METRIC_KEYS,
  type SeedAggregate,
  type SelfCorrectionMetrics,
  type Spread,
} from "./schemas.ts";

/** Mean, sample standard deviation (divides by n − 1; 0 for a single value), min, max. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) throw new Error("spread: no values");
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return {
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min: Math.min(...values),
    max: Math.max(...values),
    n,
  };
}

/** Spread over seeds of every metric (one SelfCorrectionMetrics per seed). */
export function aggregateSeeds(perSeed: readonly SelfCorrectionMetrics[]): SeedAggregate {
  if (perSeed.length === 0) throw new Error("aggregateSeeds: no seeds given");
  const out = {} as Record<string, Spread>;
  for (const k of METRIC_KEYS) out[k] = spread(perSeed.map((m) => m[k]));
  return out as SeedAggregate;
}
