/**
 * The bundle of a method over its seeds: each seed's bundle, the spread over seeds and the bootstrap
 * interval of the mean. Only the report needs it, so it lives apart from the one-seed bundle
 * (`evaluate.ts`), which evaluation stages import: the seed aggregation stays out of their code.
 */
import { aggregateSeeds } from "./aggregate.ts";
import { bootstrapMeanOverSeeds } from "./bootstrap.ts";
import { type EvaluateOptions, evaluateSeed } from "./evaluate.ts";
import type { EvalRecord } from "./records.ts";
import type { GroupMetrics, MethodEvaluation, SeedEvaluation } from "./schemas.ts";

function groupAggregate(
  seeds: readonly SeedEvaluation[],
  pick: (s: SeedEvaluation) => GroupMetrics[],
): MethodEvaluation["perLevel"] {
  const keys: string[] = [];
  for (const s of seeds) for (const g of pick(s)) if (!keys.includes(g.key)) keys.push(g.key);
  const numeric = keys.every((k) => /^\d+$/.test(k));
  keys.sort((a, b) => numeric ? Number(a) - Number(b) : (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((key) => {
    const ms = seeds.flatMap((s) => pick(s).filter((g) => g.key === key).map((g) => g.metrics));
    return { key, n: ms.reduce((a, m) => a + m.n, 0), aggregate: aggregateSeeds(ms) };
  });
}

/**
 * A method over its seeds: each seed's bundle, the spread over seeds, the bootstrap interval of the
 * seed mean (paired across seeds when they share the test problems), per level and per family.
 */
export function evaluateMethod(
  runs: readonly { seed: number; records: readonly EvalRecord[] }[],
  opts: EvaluateOptions = {},
): MethodEvaluation {
  if (runs.length === 0) throw new Error("evaluateMethod: no seeds given");
  const seeds = runs.map((r) => evaluateSeed(r.seed, r.records, opts));
  return {
    seeds,
    aggregate: aggregateSeeds(seeds.map((s) => s.metrics)),
    bootstrap: bootstrapMeanOverSeeds(runs.map((r) => r.records), opts.bootstrap),
    perLevel: groupAggregate(seeds, (s) => s.perLevel),
    perFamily: groupAggregate(seeds, (s) => s.perFamily),
  };
}
