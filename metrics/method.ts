/**
 * The bundle of a method over its seeds: each seed's bundle, the spread over seeds and the bootstrap
 * interval of the mean. Only the report needs it, so it lives apart from the one-seed bundle
 * (`evaluate.ts`), which evaluation stages import: the seed aggregation stays out of their code.
 */
import { aggregateSeeds } from "./aggregate.ts";
import { sortGroupKeys } from "./breakdown.ts";
import { bootstrapMeanOverSeeds } from "./bootstrap.ts";
import { type EvaluateOptions, evaluateSeed } from "./evaluate.ts";
import type { EvalRecord } from "./records.ts";
import type { GroupMetrics, MethodEvaluation, SeedEvaluation } from "./schemas.ts";

function groupAggregate(
  seeds: readonly SeedEvaluation[],
  pick: (s: SeedEvaluation) => GroupMetrics[],
): MethodEvaluation["perLevel"] {
  const keys = sortGroupKeys(new Set(seeds.flatMap((s) => pick(s).map((g) => g.key))));
  return keys.map((key) => {
    const ms = seeds.flatMap((s) => pick(s).filter((g) => g.key === key).map((g) => g.metrics));
    return { key, n: ms.reduce((a, m) => a + m.n, 0), aggregate: aggregateSeeds(ms) };
  });
}

/**
 * One seed of a method: its records and, when its evaluation stage already computed it
 * (`evaluation.json`), that seed's bundle — used as it is, so each seed is evaluated in one place.
 */
export interface SeedRun {
  seed: number;
  records: readonly EvalRecord[];
  evaluation?: SeedEvaluation;
}

/**
 * A method over its seeds: each seed's bundle, the spread over seeds, the bootstrap interval of the
 * seed mean (paired across seeds when they share the test problems), per level and per family.
 */
export function evaluateMethod(
  runs: readonly SeedRun[],
  opts: EvaluateOptions = {},
): MethodEvaluation {
  if (runs.length === 0) throw new Error("evaluateMethod: no seeds given");
  const seeds = runs.map((r) => {
    if (!r.evaluation) return evaluateSeed(r.seed, r.records, opts);
    if (r.evaluation.seed !== r.seed || r.evaluation.metrics.n !== r.records.length) {
      throw new Error(
        `evaluateMethod: seed ${r.seed}'s evaluation (seed ${r.evaluation.seed}, ` +
          `n = ${r.evaluation.metrics.n}) is not of its ${r.records.length} records`,
      );
    }
    return r.evaluation;
  });
  return {
    seeds,
    aggregate: aggregateSeeds(seeds.map((s) => s.metrics)),
    bootstrap: bootstrapMeanOverSeeds(runs.map((r) => r.records), opts.bootstrap),
    perLevel: groupAggregate(seeds, (s) => s.perLevel),
    perFamily: groupAggregate(seeds, (s) => s.perFamily),
  };
}
