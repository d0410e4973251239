/**
 * The SCoRe pipeline: the experiment's config schema, its presets, and the DAG of stages.
 *
 * ```
 * problems → base@sN → rollouts@sN → {star, pair_sft}
 *            base@sN → {naive_rl, stage1 → stage2, ablations}
 * every checkpoint → eval → report
 * ```
 *
 * One vocabulary for what is trained: a *method id* names a report row and its evaluations
 * (`score`, `star`, `naive_rl`, …; report/schema.ts `METHOD_IDS`), a *stage family* names the
 * stages that train it. For every method but SCoRe the two are the same word; SCoRe (`score`) is
 * trained by the stages `stage1@sN` and `stage2@sN` (its two phases), is evaluated as
 * `eval@score.sN`, and its curves carry `method: "score"` beside `stage: "stage2"`. The phase
 * names stay as stage names because they are the store's cache keys and the names users pass
 * to `deno task stage`.
 *
 * Methods run once per `seeds.methods` seed, ablations once per `seeds.ablations` seed; stage
 * instances are named `<method>@s<seed>` and their evaluations `eval@<method>.s<seed>`. Seed N
 * has its own base model `base@sN` (and rollouts `rollouts@sN`): every method of seed N starts
 * from it and is pinned to it, and the base row of the report carries every base seed.
 *
 * @module
 */
import { definePipeline, type Stage } from "../pipeline/mod.ts";
import { ExperimentConfig } from "./config.ts";
import { problems } from "./problems.ts";
import { baseStage } from "./base.ts";
import { perSeed } from "./per_seed.ts";
import { rolloutsStage } from "./rollouts.ts";
import { type RlMethod, rlStage, sftStage } from "./training.ts";
import { evaluateStage } from "./evaluate.ts";
import { type ReportCurve, type ReportEval, reportStage } from "./report.ts";

export { ExperimentConfig } from "./config.ts";

const stage1: RlMethod = {
  family: "stage1",
  description: "SCoRe Stage I: reward on attempt 2, β2 pins attempt 1 to the base",
  objective: (rl) => ({ kind: "stage1", alpha: 0, beta1: rl.beta1, beta2: rl.beta2 }),
  steps: (rl) => rl.stage1Steps,
  lr: (rl) => rl.stage1Lr,
};
const stage2: RlMethod = {
  family: "stage2",
  description: "SCoRe Stage II: r1 + r2 with shaping α·(r2 − r1), KL β1",
  objective: (rl) => ({ kind: "stage2", alpha: rl.alpha, beta1: rl.beta1, beta2: rl.beta2 }),
  steps: (rl) => rl.stage2Steps,
};
const naiveRl: RlMethod = {
  family: "naive_rl",
  description: "naive multi-turn RL: r1 + r2 from the base, no Stage I, no shaping",
  objective: (rl) => ({ kind: "stage2", alpha: 0, beta1: rl.beta1, beta2: rl.beta2 }),
  steps: (rl) => rl.baselineSteps,
};
const noStage1: RlMethod = {
  family: "abl_no_stage1",
  description: "ablation: Stage II objective with shaping from the base (no Stage I)",
  objective: stage2.objective,
  steps: (rl) => rl.baselineSteps,
};
const noShaping: RlMethod = {
  family: "abl_no_shaping",
  description: "ablation: Stage I then Stage II without the shaping bonus",
  objective: naiveRl.objective,
  steps: stage2.steps,
};
const singleTurn: RlMethod = {
  family: "abl_single_turn",
  description: "ablation: single-turn RL on attempt 1 only",
  objective: (rl) => ({ kind: "single_turn", alpha: 0, beta1: rl.beta1, beta2: rl.beta2 }),
  steps: (rl) => rl.baselineSteps,
};

/** Every stage instance for a validated config. */
export function buildStages(config: ExperimentConfig): Stage<unknown>[] {
  const stages: Stage<unknown>[] = [problems];
  const evals: ReportEval[] = [];
  const curves: ReportCurve[] = [];
  const add = (method: string, seed: number, s: Stage<unknown>, curve: boolean) => {
    stages.push(s);
    if (curve) curves.push({ method, seed, stage: s });
  };
  const evaluate = (method: string, seed: number, model: Stage<unknown>, scaling = false) => {
    const e = evaluateStage(model, { id: `${method}.s${seed}`, scaling, seed });
    stages.push(e);
    evals.push({ method, seed, stage: e });
  };
  const first = config.seeds.methods[0];
  // One base model per seed (methods' and ablations' seeds together), each evaluated: the base
  // row carries every seed, and each method seed is paired with its own base.
  const baseSeeds = [...new Set([...config.seeds.methods, ...config.seeds.ablations])];
  for (const seed of baseSeeds) {
    stages.push(baseStage(seed));
    if (config.seeds.methods.includes(seed)) stages.push(rolloutsStage(seed));
    evaluate("base", seed, baseStage(seed), seed === first);
  }
  // SCoRe's (first) Stage I of a seed: built, tracked and evaluated once, however many read it.
  const stage1For = perSeed((seed) => {
    const s = rlStage(stage1, seed, baseStage(seed));
    add("score", seed, s, true);
    evaluate("score_stage1", seed, s);
    return s;
  });
  for (const seed of config.seeds.methods) {
    // SCoRe: Stage I → Stage II, for rl.rounds rounds; the last Stage II is the SCoRe row.
    let s2 = rlStage(stage2, seed, stage1For(seed));
    add("score", seed, s2, true);
    for (let round = 2; round <= config.rl.rounds; round++) {
      const s1 = rlStage(stage1, seed, s2, round);
      add("score", seed, s1, true);
      s2 = rlStage(stage2, seed, s1, round);
      add("score", seed, s2, true);
    }
    evaluate("score", seed, s2, seed === first);
    const base = baseStage(seed);
    const star = sftStage("star", "star", seed, base);
    add("star", seed, star, false);
    evaluate("star", seed, star);
    const pair = sftStage("pair_sft", "pair_sft", seed, base);
    add("pair_sft", seed, pair, false);
    evaluate("pair_sft", seed, pair);
    const naive = rlStage(naiveRl, seed, base);
    add("naive_rl", seed, naive, true);
    evaluate("naive_rl", seed, naive);
  }
  for (const seed of config.seeds.ablations) {
    const base = baseStage(seed);
    for (const [m, init] of [[singleTurn, base], [noStage1, base]] as const) {
      const s = rlStage(m, seed, init);
      add(m.family, seed, s, true);
      evaluate(m.family, seed, s);
    }
    const ns = rlStage(noShaping, seed, stage1For(seed));
    add(noShaping.family, seed, ns, true);
    evaluate(noShaping.family, seed, ns);
    const ss = sftStage("star", "abl_star_stage2", seed, stage1For(seed));
    add("abl_star_stage2", seed, ss, false);
    evaluate("abl_star_stage2", seed, ss);
  }
  stages.push(reportStage(evals, curves));
  return stages;
}

/** The SCoRe pipeline (config schema, presets, DAG). */
export const pipeline = definePipeline({
  config: ExperimentConfig,
  presets: {
    default: new URL("../presets/default.yaml", import.meta.url),
    smoke: new URL("../presets/smoke.yaml", import.meta.url),
    second_guess: new URL("../presets/second_guess.yaml", import.meta.url),
    check: new URL("../presets/check.yaml", import.meta.url),
    extended: new URL("../presets/extended.yaml", import.meta.url),
  },
  stages: buildStages,
  module: import.meta.url,
});

export default pipeline;
